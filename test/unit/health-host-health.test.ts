import fc from 'fast-check';
import t from 'tap';
import { ejectionBackoffMs } from '../../src/health/backoff.js';
import { ErrorWindow } from '../../src/health/error-window.js';
import { HostHealth, type HealthListener } from '../../src/health/host-health.js';
import { LatencyEwma } from '../../src/health/latency-ewma.js';
import { alphaForHalfLife, healthOptions, type HealthOptions } from '../../src/health/options.js';
import { loadScore } from '../../src/health/score.js';
import type { HealthState, ObservedRole } from '../../src/health/types.js';

function setup(options: Partial<HealthOptions> = {}, role: ObservedRole = 'unknown') {
  const clock = { t: 1_000_000, now() { return this.t; } };
  const events: string[] = [];
  const health = new HostHealth('db1:5432', { clock, random: () => 0, options, role });
  const listener: HealthListener = {
    stateChanged: (_h, from, to, reason) => events.push(`${from}->${to} (${reason})`),
    roleChanged: (_h, from, to) => events.push(`role ${from}->${to}`),
  };
  const off = health.listen(listener);
  return { clock, health, events, off };
}

const states = (events: string[]): string[] => events.filter((e) => !e.startsWith('role')).map((e) => e.slice(0, e.indexOf(' ')));

t.test('latency EWMA and variance', async (t) => {
  const e = new LatencyEwma(0.5);
  e.add(10);
  t.equal(e.mean, 10, 'the first sample is the mean');
  t.equal(e.variance, 0);
  e.add(20);
  t.equal(e.mean, 15);
  t.equal(e.variance, 25, '(1-a)(0 + diff * a * diff) = 0.5 * 10 * 5');
  e.add(Number.NaN);
  e.add(-1);
  t.equal(e.samples, 2, 'NaN and negative samples are ignored');
  const steady = new LatencyEwma(0.2);
  for (let i = 0; i < 200; i++) steady.add(7);
  t.equal(steady.mean, 7);
  t.equal(steady.variance, 0);
  t.ok(Math.abs(alphaForHalfLife(1) - 0.5) < 1e-12, 'a half-life of one sample is alpha 0.5');
  const a = alphaForHalfLife(10);
  t.ok(Math.abs(Math.pow(1 - a, 10) - 0.5) < 1e-12, 'weight halves after ten samples');
});

t.test('error window slides and ages out without traffic', async (t) => {
  const w = new ErrorWindow(10_000, 10);
  for (let i = 0; i < 9; i++) w.success(0);
  w.failure(0);
  t.equal(w.rate(0), 0.1);
  t.equal(w.total(9_999), 10, 'still inside the window');
  w.failure(5_000);
  t.equal(w.failures(9_999), 2);
  t.equal(w.total(10_000), 1, 'the first bucket has left the window');
  t.equal(w.rate(15_000), 0, 'everything aged out');
  t.equal(w.total(15_000), 0);
  w.success(15_000);
  w.clear();
  t.equal(w.total(15_000), 0);
});

t.test('healthy → degraded on error rate, back with hysteresis', async (t) => {
  const { clock, health, events } = setup({ errorRateMinSamples: 10, degradedErrorRate: 0.2, ejectAfterFailures: 100 });
  health.recordFailure('timeout');
  t.equal(health.state, 'healthy', '1 of 1 is too few outcomes to judge');
  for (let i = 0; i < 9; i++) health.recordSuccess(1);
  health.recordFailure('timeout');
  t.equal(health.state, 'healthy', '2 of 11 (18%) is under 20%');
  health.recordFailure('connect');
  t.equal(health.state, 'degraded', '3 of 12 is over 20%');
  for (let i = 0; i < 2; i++) health.recordSuccess(1);
  t.equal(health.state, 'degraded', '3 of 14 (21%) is not under 16%');
  for (let i = 0; i < 5; i++) health.recordSuccess(1);
  t.equal(health.state, 'healthy', '3 of 19 (15.8%) is under 80% of the threshold');
  health.recordFailure('timeout');
  health.recordFailure('timeout');
  t.equal(health.state, 'degraded');
  clock.t += 11_000;
  health.refresh();
  t.equal(health.state, 'healthy', 'errors that aged out stop degrading the host');
  t.same(states(events), ['healthy->degraded', 'degraded->healthy', 'healthy->degraded', 'degraded->healthy']);
  t.equal(health.entered.degraded, 2);
  t.equal(health.stateChanges, 4);
});

t.test('degraded on latency only when a threshold is set', async (t) => {
  const off = setup();
  for (let i = 0; i < 50; i++) off.health.recordSuccess(5_000);
  t.equal(off.health.state, 'healthy', 'slowness is left to the score by default');
  const on = setup({ degradedLatencyMs: 100, latencyAlpha: 0.5 });
  on.health.recordSuccess(50);
  on.health.recordSuccess(200);
  t.equal(on.health.state, 'degraded');
  on.health.recordSuccess(90);
  t.equal(on.health.state, 'degraded', 'EWMA 107.5 is not under 80% of 100');
  on.health.recordSuccess(20);
  t.equal(on.health.state, 'healthy', 'EWMA 63.75 is');
});

t.test('consecutive failures eject; backoff ends in half-open; a probe decides', async (t) => {
  const { clock, health, events } = setup({ ejectAfterFailures: 3, ejectBaseMs: 1_000, ejectMaxMs: 8_000, errorRateMinSamples: 1000 });
  health.recordFailure('connect');
  health.recordSuccess(1);
  health.recordFailure('connect');
  health.recordFailure('serverTerminated');
  t.equal(health.state, 'healthy', 'a success in between resets the run');
  health.recordFailure('connectionLost');
  t.equal(health.state, 'down');
  t.equal(health.snapshot().retryAt, clock.t + 1_000, 'first ejection: the base (jitter drew 0)');
  t.notOk(health.wantsProbe(), 'no probe during the backoff');
  clock.t += 999;
  health.refresh();
  t.equal(health.state, 'down');
  clock.t += 1;
  t.ok(health.wantsProbe());
  t.equal(health.state, 'half-open');
  health.recordProbeFailure('timeout');
  t.equal(health.state, 'down');
  t.equal(health.snapshot().retryAt, clock.t + 2_000, 'second ejection in the streak doubles');
  clock.t += 2_000;
  health.refresh();
  health.recordProbe({ latencyMs: 2, inRecovery: false, lagSeconds: null });
  t.equal(health.state, 'healthy');
  t.equal(health.snapshot().consecutiveFailures, 0);
  t.equal(health.errorRate(), 0, 'failures before the ejection are forgotten');
  t.equal(health.ejections, 2);
  t.same(states(events), ['healthy->down', 'down->half-open', 'half-open->down', 'down->half-open', 'half-open->healthy']);
  t.ok(events.includes('role unknown->primary'));
});

t.test('the ejection streak is forgotten after ejectionMemoryMs healthy', async (t) => {
  const { clock, health } = setup({ ejectAfterProbeFailures: 1, ejectionMemoryMs: 60_000 });
  const ejectAndRecover = (): number => {
    health.recordProbeFailure('error');
    const wait = (health.snapshot().retryAt ?? 0) - clock.t;
    clock.t += wait;
    health.refresh();
    health.recordProbe({ latencyMs: 1, inRecovery: null, lagSeconds: null });
    return wait;
  };
  t.same([ejectAndRecover(), ejectAndRecover(), ejectAndRecover()], [1_000, 2_000, 4_000]);
  clock.t += 60_000;
  health.refresh();
  t.equal(health.snapshot().ejectionStreak, 0);
  t.equal(ejectAndRecover(), 1_000, 'back to the base');
});

t.test('passive failures while down or half-open do not extend the backoff', async (t) => {
  const { clock, health } = setup({ ejectAfterProbeFailures: 1 });
  health.recordProbeFailure('error');
  const retryAt = health.snapshot().retryAt;
  for (let i = 0; i < 20; i++) health.recordFailure('connect');
  t.equal(health.snapshot().retryAt, retryAt);
  health.recordSuccess(1);
  t.equal(health.state, 'down', 'a late success from before the ejection does not revive it');
  clock.t = retryAt ?? 0;
  health.refresh();
  health.recordSuccess(1);
  t.equal(health.state, 'half-open', 'only a probe closes half-open');
});

t.test('backoff grows with the streak, stays under the cap, jitter only shortens', async (t) => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 80 }),
    fc.double({ min: 0, max: 0.99, noNaN: true }), fc.double({ min: 0, max: 0.9999, noNaN: true }),
    (base, capFactor, streak, jitter, r) => {
      const max = base * capFactor;
      const plain = (n: number): number => ejectionBackoffMs(n, base, max, 0, () => 0);
      const jittered = ejectionBackoffMs(streak, base, max, jitter, () => r);
      return plain(streak) <= plain(streak + 1)
        && plain(streak) <= max
        && plain(1) === base
        && jittered <= plain(streak) && jittered >= plain(streak) * (1 - jitter) - 1e-9;
    },
  ));
  t.equal(ejectionBackoffMs(1_000, 1_000, 60_000, 0, () => 0), 60_000, 'huge streaks stay at the cap');
});

t.test('25006 on a host thought primary asks for a probe; the error alone changes neither role nor health', async (t) => {
  const { health, events } = setup({}, 'primary');
  const wanted: string[] = [];
  health.listen({ probeWanted: (h, reason) => wanted.push(`${h.key}: ${reason}`) });
  health.recordFailure('readOnlyOnPrimary');
  t.equal(health.role, 'primary', "a client's own BEGIN READ ONLY raises 25006 on a real primary too");
  t.equal(health.state, 'healthy');
  t.equal(health.errorRate(), 0);
  t.same(events, []);
  t.equal(wanted.length, 1);
  t.match(wanted[0], /25006/);
  health.recordProbe({ latencyMs: 1, inRecovery: true, lagSeconds: 0 });
  t.equal(health.role, 'replica', 'the probe it asked for decides');
  t.same(events, ['role primary->replica']);
  health.recordFailure('readOnlyOnPrimary');
  t.equal(wanted.length, 1, 'no probe asked for on a host already known a replica');
  health.recordProbe({ latencyMs: 1, inRecovery: false, lagSeconds: null });
  t.equal(health.role, 'primary', 'a later probe is believed');
  health.recordProbe({ latencyMs: 1, inRecovery: null, lagSeconds: 3 });
  t.equal(health.role, 'primary', 'null leaves the role alone');
  t.equal(health.lagSeconds, 3);
});

t.test('draining holds over every state and is only cleared by the operator', async (t) => {
  const { health, events, off } = setup({ ejectAfterProbeFailures: 1 });
  health.setDraining(true);
  health.setDraining(true);
  t.equal(health.state, 'draining');
  health.recordProbeFailure('error');
  t.equal(health.state, 'draining', 'ejected underneath');
  health.setDraining(false);
  t.equal(health.state, 'down');
  t.same(states(events), ['healthy->draining', 'draining->down']);
  off();
  health.setDraining(true);
  t.equal(events.length, 2, 'unsubscribed');
});

t.test('in-flight, utilisation, score and snapshot', async (t) => {
  const { health } = setup();
  health.weight = 2;
  health.begin();
  health.begin();
  health.end();
  health.end();
  health.end();
  t.equal(health.inFlight, 0, 'never below zero');
  health.begin();
  health.recordSuccess(10);
  let leased = 1;
  health.utilisationOf = () => leased / 2;
  const s = health.snapshot();
  t.match(s, { key: 'db1:5432', state: 'healthy', role: 'unknown', inFlight: 1, utilisation: 0.5, latencyEwma: 10, errorRate: 0, retryAt: null });
  leased = 2;
  t.equal(health.utilisation, 1, 'read from the pools each time, never a stale copy');
  t.equal(health.snapshot().utilisation, 1);
  t.equal(s.score, loadScore(10, 1, 2));
  t.equal(s.score, 10, '10 ms × 2 in flight ÷ weight 2');
  const states: HealthState[] = ['healthy', 'degraded', 'down', 'half-open', 'draining'];
  t.same(Object.keys(health.entered).sort(), [...states].sort());
});

t.test('options are checked', async (t) => {
  t.throws(() => healthOptions({ latencyAlpha: 0 }), RangeError);
  t.throws(() => healthOptions({ ejectBaseMs: 10, ejectMaxMs: 5 }), RangeError);
  t.throws(() => healthOptions({ ejectJitter: 1 }), RangeError);
  t.throws(() => healthOptions({ errorBuckets: 10, errorWindowMs: 5 }), RangeError);
  t.equal(healthOptions().ejectBaseMs, 1_000);
});

t.test('property: random signals only ever move along the edges of the state machine', async (t) => {
  const allowed = new Set([
    'healthy->degraded', 'degraded->healthy', 'healthy->down', 'degraded->down',
    'down->half-open', 'half-open->healthy', 'half-open->down',
  ]);
  type Op =
    | { op: 'success'; ms: number } | { op: 'failure'; kind: 'connect' | 'connectionLost' | 'serverTerminated' | 'timeout' | 'readOnlyOnPrimary' }
    | { op: 'probe'; inRecovery: boolean | null } | { op: 'probeFail' } | { op: 'wait'; ms: number } | { op: 'drain'; on: boolean } | { op: 'refresh' };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('success' as const), ms: fc.integer({ min: 0, max: 500 }) }),
    fc.record({ op: fc.constant('failure' as const), kind: fc.constantFrom('connect' as const, 'connectionLost' as const, 'serverTerminated' as const, 'timeout' as const, 'readOnlyOnPrimary' as const) }),
    fc.record({ op: fc.constant('probe' as const), inRecovery: fc.constantFrom(true, false, null) }),
    fc.constant({ op: 'probeFail' as const }),
    fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 70_000 }) }),
    fc.record({ op: fc.constant('drain' as const), on: fc.boolean() }),
    fc.constant({ op: 'refresh' as const }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 120 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (ops, r) => {
    const clock = { t: 0, now() { return this.t; } };
    const health = new HostHealth('h', { clock, random: () => r, options: { degradedLatencyMs: 300, errorRateMinSamples: 3 } });
    let ok = true;
    let draining = false;
    health.listen({
      stateChanged: (_h, from, to) => {
        const edge = `${from}->${to}`;
        if (from === 'draining' || to === 'draining') ok &&= draining === (to === 'draining');
        else ok &&= allowed.has(edge);
      },
    });
    for (const o of ops) {
      switch (o.op) {
        case 'success': health.recordSuccess(o.ms); break;
        case 'failure': health.recordFailure(o.kind); break;
        case 'probe': health.recordProbe({ latencyMs: 1, inRecovery: o.inRecovery, lagSeconds: null }); break;
        case 'probeFail': health.recordProbeFailure('error'); break;
        case 'wait': clock.t += o.ms; break;
        case 'drain': draining = o.on; health.setDraining(o.on); break;
        case 'refresh': health.refresh(); break;
      }
      const s = health.snapshot();
      const down = s.retryAt !== null;
      ok &&= draining ? s.state === 'draining' : (down === (s.state === 'down'));
      ok &&= s.retryAt === null || s.retryAt - clock.t <= health.options.ejectMaxMs;
      ok &&= s.errorRate >= 0 && s.errorRate <= 1 && s.inFlight === 0;
    }
    return ok;
  }), { numRuns: 500 });
  t.pass('held');
});
