import t from 'tap';
import { HostHealth } from '../../src/health/host-health.js';
import { ON_DEMAND_GAP_MS, Prober, type ProbeTarget } from '../../src/health/prober.js';
import type { Timers } from '../../src/health/timers.js';
import type { ProbeResult } from '../../src/health/types.js';

/** Timers and clock moved by hand: advance() runs every callback that falls due, in order. */
class FakeTime implements Timers {
  t = 0;
  private seq = 0;
  private pending: { at: number; seq: number; fn: () => void }[] = [];
  readonly clock = { now: (): number => this.t };
  set(fn: () => void, ms: number): unknown {
    const h = { at: this.t + ms, seq: this.seq++, fn };
    this.pending.push(h);
    return h;
  }
  clear(handle: unknown): void { this.pending = this.pending.filter((h) => h !== handle); }
  get count(): number { return this.pending.length; }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = this.pending.filter((h) => h.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.pending = this.pending.filter((h) => h !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
    await settle();
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Call { host: string; signal: AbortSignal; resolve(r: ProbeResult): void; reject(e: Error): void }

function setup(opts: { ejectAfterProbeFailures?: number; ejectBaseMs?: number } = {}) {
  const time = new FakeTime();
  const calls: Call[] = [];
  const targets: ProbeTarget<string>[] = ['a', 'b'].map((host) => ({
    host,
    health: new HostHealth(host, { clock: time.clock, random: () => 0, options: { ejectAfterProbeFailures: opts.ejectAfterProbeFailures ?? 2, ejectBaseMs: opts.ejectBaseMs ?? 1_000 } }),
  }));
  const probe = (host: string, signal: AbortSignal): Promise<ProbeResult> =>
    new Promise((resolve, reject) => calls.push({ host, signal, resolve, reject }));
  const prober = new Prober(targets, probe, { intervalMs: 1_000, timeoutMs: 300, timers: time, now: time.clock.now });
  return { time, calls, targets, prober };
}

const ok: ProbeResult = { latencyMs: 3, inRecovery: true, lagSeconds: 0.5 };

t.test('probes every interval and feeds the trackers', async (t) => {
  const { time, calls, targets, prober } = setup();
  prober.start();
  prober.start();
  t.same(calls.map((c) => c.host), ['a', 'b'], 'a round at start; a second start() is a no-op');
  for (const c of calls.splice(0)) c.resolve(ok);
  await settle();
  const a = targets[0]?.health;
  t.equal(a?.role, 'replica');
  t.equal(a?.lagSeconds, 0.5);
  t.equal(a?.latencyEwma, 3);
  await time.advance(1_000);
  t.equal(calls.length, 2, 'the next round');
  t.equal(prober.started, 4);
  for (const c of calls.splice(0)) c.resolve(ok);
  await prober.stop();
  await time.advance(5_000);
  t.equal(calls.length, 0, 'no rounds after stop');
  t.equal(time.count, 0, 'no timer left behind');
});

t.test('25006 on a host thought primary gets it probed at once, not faster than the on-demand gap', async (t) => {
  const { time, calls, targets, prober } = setup();
  const primary: ProbeResult = { latencyMs: 1, inRecovery: false, lagSeconds: null };
  const a = targets[0]!.health;
  a.recordFailure('readOnlyOnPrimary');
  t.equal(calls.length, 0, 'nothing before start()');
  prober.start();
  for (const c of calls.splice(0)) c.resolve(primary);
  await settle();
  t.equal(a.role, 'primary');
  a.recordFailure('readOnlyOnPrimary');
  t.equal(calls.length, 0, 'the round-start probe began less than the gap ago');
  await time.advance(ON_DEMAND_GAP_MS);
  a.recordFailure('readOnlyOnPrimary');
  t.same(calls.map((c) => c.host), ['a'], 'probed now, between rounds');
  a.recordFailure('readOnlyOnPrimary');
  t.equal(calls.length, 1, 'never overlapping the running probe');
  calls.splice(0)[0]!.resolve({ latencyMs: 1, inRecovery: true, lagSeconds: 0 });
  await settle();
  t.equal(a.role, 'replica', 'the probe found it demoted');
  t.equal(prober.onDemand, 1);
  await prober.stop();
  targets[1]!.health.recordProbe(primary);
  targets[1]!.health.recordFailure('readOnlyOnPrimary');
  t.equal(calls.length, 0, 'no probes after stop');
});

t.test('a probe still running is never overlapped, and times out with an abort', async (t) => {
  const { time, calls, targets, prober } = setup({ ejectAfterProbeFailures: 1 });
  prober.start();
  const [slowA, fastB] = calls.splice(0);
  fastB?.resolve(ok);
  await time.advance(299);
  t.notOk(slowA?.signal.aborted);
  await time.advance(1);
  t.ok(slowA?.signal.aborted, 'aborted at the timeout');
  t.equal(targets[0]?.health.state, 'down', 'the timeout counts at the deadline');
  t.ok(prober.probing(targets[0] as ProbeTarget<string>), 'still running: it has not settled');
  await time.advance(700);
  t.same(calls.map((c) => c.host), ['b'], 'a is skipped while its probe runs (and it is down anyway)');
  t.equal(prober.skipped, 1);
  slowA?.resolve(ok);
  await settle();
  t.equal(targets[0]?.health.state, 'down', 'an answer after the deadline does not count');
  t.equal(prober.failed, 1);
  calls.splice(0).forEach((c) => c.resolve(ok));
  await prober.stop();
});

t.test('errors count as probe failures; down hosts wait for their backoff, then half-open', async (t) => {
  const { time, calls, targets, prober } = setup({ ejectBaseMs: 1_500 });
  const a = targets[0]?.health as HostHealth;
  const answer = async (): Promise<void> => {
    for (const c of calls.splice(0)) {
      if (c.host === 'a') c.reject(new Error('connection refused'));
      else c.resolve(ok);
    }
    await settle();
  };
  prober.start();
  await answer();
  t.equal(a.state, 'healthy', 'one failed probe is not enough');
  await time.advance(1_000);
  await answer();
  t.equal(a.state, 'down', 'two failed probes eject, until t = 2.5 s');
  await time.advance(1_000);
  t.same(calls.map((c) => c.host), ['b'], 'no probe of a down host during its backoff');
  await answer();
  await time.advance(1_000);
  t.same(calls.map((c) => c.host), ['a', 'b'], 'probed again once the backoff is over');
  t.equal(a.state, 'half-open');
  for (const c of calls.splice(0)) c.resolve({ latencyMs: 1, inRecovery: false, lagSeconds: null });
  await settle();
  t.equal(a.state, 'healthy');
  t.equal(a.role, 'primary');
  await prober.stop();
});

t.test('stop aborts running probes and waits for them', async (t) => {
  const { calls, prober, targets } = setup();
  prober.start();
  let settled = false;
  const stopping = prober.stop().then(() => { settled = true; });
  t.ok(calls.every((c) => c.signal.aborted));
  await settle();
  t.notOk(settled, 'waits for the probes to settle');
  for (const c of calls) c.reject(new Error('aborted'));
  await stopping;
  t.equal(prober.failed, 0, 'failures after stop are not recorded');
  t.equal(targets[0]?.health.state, 'healthy');
});

t.test('real timers: a short interval runs bounded rounds', async (t) => {
  const health = new HostHealth('x', { clock: { now: () => Date.now() } });
  let probes = 0;
  const prober = new Prober([{ host: 'x', health }], async () => {
    probes++;
    return { latencyMs: 1, inRecovery: null, lagSeconds: null };
  }, { intervalMs: 5, timeoutMs: 50 });
  prober.start();
  await new Promise((resolve) => setTimeout(resolve, 60));
  await prober.stop();
  const seen = probes;
  t.ok(seen >= 2, `several rounds ran (${seen})`);
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal(probes, seen, 'none after stop');
  t.throws(() => new Prober([], async () => ({ latencyMs: 1, inRecovery: null, lagSeconds: null }), { intervalMs: 0, timeoutMs: 1 }), RangeError);
});
