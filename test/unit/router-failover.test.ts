import t from 'tap';
import { FailoverError, SluiceError } from '../../src/errors.js';
import { HostHealth } from '../../src/health/host-health.js';
import type { Timers } from '../../src/health/timers.js';
import type { ObservedRole } from '../../src/health/types.js';
import { FailoverTracker } from '../../src/router/failover.js';

/** Timers and clock moved by hand; advance() runs what falls due. */
class FakeTime implements Timers {
  t = 10_000;
  private pending: { at: number; fn: () => void }[] = [];
  readonly clock = { now: (): number => this.t };
  set(fn: () => void, ms: number): unknown {
    const h = { at: this.t + ms, fn };
    this.pending.push(h);
    return h;
  }
  clear(handle: unknown): void { this.pending = this.pending.filter((h) => h !== handle); }
  get count(): number { return this.pending.length; }
  advance(ms: number): void {
    this.t += ms;
    const due = this.pending.filter((h) => h.at <= this.t);
    this.pending = this.pending.filter((h) => h.at > this.t);
    for (const h of due) h.fn();
  }
}

function cluster(roles: ObservedRole[]) {
  const time = new FakeTime();
  const hosts = roles.map((role, i) => new HostHealth(`h${i}`, {
    clock: time.clock, random: () => 0, role, options: { ejectAfterProbeFailures: 1 },
  }));
  const tracker = new FailoverTracker(hosts, { clock: time.clock, timers: time });
  return { time, hosts, tracker };
}

const promoted = { latencyMs: 1, inRecovery: false, lagSeconds: null };
const replica = { latencyMs: 1, inRecovery: true, lagSeconds: 0 };

t.test('the primary is known from seeded and observed roles', async (t) => {
  const { hosts, tracker } = cluster(['unknown', 'unknown']);
  t.equal(tracker.primary, null);
  hosts[1]?.recordProbe(promoted);
  t.equal(tracker.primary, hosts[1]);
  t.equal(tracker.lastGapMs, null, 'finding the first primary is not a failover');
  const seeded = cluster(['replica', 'primary']);
  t.equal(seeded.tracker.primary, seeded.hosts[1]);
  t.equal(await seeded.tracker.waitForPrimary(1_000), seeded.hosts[1], 'no wait when a primary is up');
});

t.test('writes wait through a failover and the gap is measured', async (t) => {
  const { time, hosts, tracker } = cluster(['primary', 'replica', 'replica']);
  const [p, r1, r2] = hosts as [HostHealth, HostHealth, HostHealth];
  p.recordProbeFailure('timeout');
  t.equal(p.state, 'down');
  t.equal(tracker.primary, null);
  t.equal(tracker.lostAt, 10_000);
  const waits = [tracker.waitForPrimary(30_000), tracker.waitForPrimary(30_000)];
  t.equal(tracker.waiting, 2);
  time.advance(700);
  r2.recordProbe(replica);
  t.equal(tracker.waiting, 2, 'a replica reporting in recovery changes nothing');
  r1.recordProbe(promoted);
  t.same(await Promise.all(waits), [r1, r1], 'waiting writes proceed on the promoted host');
  t.equal(tracker.lastGapMs, 700);
  t.equal(tracker.failovers, 1);
  t.equal(tracker.lostAt, null);
  t.equal(time.count, 0, 'timeouts cleared');

  time.advance(5_000);
  p.refresh();
  p.recordProbe({ latencyMs: 1, inRecovery: null, lagSeconds: null });
  t.equal(p.state, 'healthy');
  t.equal(tracker.primary, r1, 'the old primary back up, still claiming the role, loses to the newer one');
  p.recordProbe(replica);
  t.equal(p.role, 'replica', 'rejoined as a replica');
  t.equal(tracker.primary, r1);
});

t.test('the same primary coming back ends the gap without counting a failover', async (t) => {
  const { time, hosts, tracker } = cluster(['primary', 'replica']);
  const p = hosts[0] as HostHealth;
  p.recordProbeFailure('error');
  time.advance(1_000);
  p.refresh();
  p.recordProbe(promoted);
  t.equal(tracker.primary, p);
  t.equal(tracker.lastGapMs, 1_000);
  t.equal(tracker.failovers, 0);
});

t.test('a probe after 25006 finding the primary demoted starts a wait; draining the primary holds writes', async (t) => {
  const { hosts, tracker } = cluster(['primary', 'replica']);
  const [p, r] = hosts as [HostHealth, HostHealth];
  p.recordFailure('readOnlyOnPrimary');
  t.equal(tracker.primary, p, 'the error alone proves nothing');
  p.recordProbe({ latencyMs: 1, inRecovery: true, lagSeconds: 0 });
  t.equal(tracker.primary, null, 'demoted behind our back, as the probe it asked for shows');
  const wait = tracker.waitForPrimary(1_000);
  r.recordProbe(promoted);
  t.equal(await wait, r);
  r.setDraining(true);
  t.equal(tracker.primary, null, 'an operator drain of the primary holds new writes');
  r.setDraining(false);
  t.equal(tracker.primary, r);
});

t.test('no primary within failover_timeout: a typed error, nothing sent', async (t) => {
  const { time, hosts, tracker } = cluster(['primary']);
  hosts[0]?.recordProbeFailure('error');
  const wait = tracker.waitForPrimary(30_000);
  time.advance(29_999);
  t.equal(tracker.waiting, 1);
  time.advance(1);
  const err = await wait.catch((e: unknown) => e);
  t.ok(err instanceof FailoverError && err instanceof SluiceError);
  t.equal((err as FailoverError).code, 'SLUICE_FAILOVER_TIMEOUT');
  t.equal(tracker.timeouts, 1);
  t.equal(tracker.waiting, 0);
  await t.rejects(tracker.waitForPrimary(0), { code: 'SLUICE_FAILOVER_TIMEOUT' }, 'a zero timeout fails at once');
});

t.test('a client that leaves, and close(), cancel their waits', async (t) => {
  const { time, hosts, tracker } = cluster(['primary']);
  hosts[0]?.recordProbeFailure('error');
  const leaving = new AbortController();
  const wait = tracker.waitForPrimary(30_000, leaving.signal);
  leaving.abort();
  await t.rejects(wait, { code: 'SLUICE_FAILOVER_CANCELLED' });
  await t.rejects(tracker.waitForPrimary(30_000, leaving.signal), { code: 'SLUICE_FAILOVER_CANCELLED' }, 'already aborted');
  const pending = tracker.waitForPrimary(30_000);
  tracker.close();
  await t.rejects(pending, { code: 'SLUICE_FAILOVER_CANCELLED' });
  t.equal(time.count, 0);
  time.advance(2_000);
  hosts[0]?.refresh();
  hosts[0]?.recordProbe(promoted);
  t.equal(tracker.primary, null, 'closed: no longer listening');
});
