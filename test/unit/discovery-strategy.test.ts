import t from 'tap';
import fc from 'fast-check';
import { BACKOFF_DECAY_PER_S, BACKOFF_GROWTH_PER_S, BACKOFF_STEP_MS, MAX_DELAY_MS, NOISE_DEVIATIONS, STRATEGIES, STRATEGY_PRESETS, throttleDecision, type ThrottleBaseline, type ThrottleSignals } from '../../src/discovery/strategy.js';
import { Throttle } from '../../src/discovery/throttle.js';
import type { Calm, TrafficFigures } from '../../src/discovery/traffic-window.js';
import type { HealthReading } from '../../src/health/types.js';

const reading = (latencyEwma: number, state: HealthReading['state'] = 'healthy'): HealthReading => ({ state, role: 'primary', latencyEwma, inFlight: 0, lagSeconds: null });
/** Live traffic's figures: the mean, and a p99 five times it unless given. */
const figures = (meanMs: number | null, p99Ms = (meanMs ?? 0) * 5): TrafficFigures | null => (meanMs === null ? null : { meanMs, p99Ms });
const host = (r: HealthReading | null, loopDelayMs: number | null = null, trafficMs: number | null = null, p99Ms?: number): ThrottleSignals => ({ host: r, loopDelayMs, traffic: figures(trafficMs, p99Ms) });
/** A calm level without noise, as on a quiet machine. */
const still = (low: number | null): Calm | null => (low === null ? null : { low, spread: 0 });
const base = (hostLatencyMs: number | null, loopDelayMs: number | null = null, trafficMs: number | null = null, trafficP99Ms = trafficMs === null ? null : trafficMs * 5): ThrottleBaseline => ({ hostLatencyMs, loopDelayMs, trafficMean: still(trafficMs), trafficP99: still(trafficP99Ms) });
const traffic = (trafficMs: number | null, p99Ms?: number): ThrottleSignals => host(null, null, trafficMs, p99Ms);
const { conservative, balanced, aggressive } = STRATEGY_PRESETS;

t.test('presets go from gentle to fast', async (t) => {
  t.ok(conservative.concurrency <= balanced.concurrency && balanced.concurrency < aggressive.concurrency);
  t.ok(conservative.sampleRows < balanced.sampleRows && balanced.sampleRows < aggressive.sampleRows);
  t.ok(conservative.pauseMs > balanced.pauseMs && balanced.pauseMs >= aggressive.pauseMs);
});

t.test('calm host or no figures at all: the strategy as configured', async (t) => {
  const calm = { delayMs: balanced.pauseMs, concurrency: balanced.concurrency, hold: false };
  t.strictSame(throttleDecision(balanced, host(null), base(null)), calm);
  t.strictSame(throttleDecision(balanced, host(reading(10)), base(10)), calm);
  t.strictSame(throttleDecision(balanced, host(reading(10), 3), base(10, 3)), calm);
});

t.test('latency above the baseline slows down, more the further it climbs', async (t) => {
  const mild = throttleDecision(balanced, host(reading(20)), base(10));
  const severe = throttleDecision(balanced, host(reading(80)), base(10));
  t.equal(mild.concurrency, 1);
  t.ok(mild.delayMs > balanced.pauseMs);
  t.ok(severe.delayMs > mild.delayMs);
  t.ok(throttleDecision(balanced, host(reading(100_000)), base(10)).delayMs <= MAX_DELAY_MS);
  t.equal(throttleDecision(aggressive, host(reading(25)), base(10)).concurrency, aggressive.concurrency, 'aggressive tolerates more');
});

t.test('the proxy\'s own loop delay slows the run while the host looks calm', async (t) => {
  const busy = throttleDecision(aggressive, host(reading(10), 30), base(10, 2));
  t.equal(busy.concurrency, 1, 'one lane');
  t.ok(busy.delayMs > aggressive.pauseMs, 'longer pauses');
  t.ok(throttleDecision(balanced, host(null, 8), base(null, 2)).delayMs > balanced.pauseMs, 'without host health too');
  t.ok(throttleDecision(balanced, host(null, 30), base(null, 2)).delayMs > throttleDecision(balanced, host(null, 8), base(null, 2)).delayMs, 'and more the further it climbs');
  t.equal(throttleDecision(balanced, host(reading(10), 0.8), base(10, 0.1)).delayMs, balanced.pauseMs, 'sub-millisecond loop jitter is not a slow-down');
  t.equal(throttleDecision(balanced, host(reading(10), 8), base(10, null)).delayMs, balanced.pauseMs, 'no baseline yet: the first reading is the baseline');
});

t.test('the throttle\'s loop baseline is the calmest reading of the run; the host\'s is its first', async (t) => {
  const readings: ThrottleSignals[] = [host(reading(10), 6), host(reading(10), 1), host(reading(10), 6), host(reading(1), 1)];
  let i = 0;
  const throttle = new Throttle(aggressive, () => readings[Math.min(i++, readings.length - 1)]!, new AbortController().signal, { slowdowns: 0 });
  t.equal(throttle.concurrency(), aggressive.concurrency, 'the loop calms down from a spike at the start');
  t.equal(throttle.concurrency(), 1, 'the spike again is measured against the calm reading: 6 ms against 1 ms');
  t.equal(throttle.concurrency(), aggressive.concurrency, 'host latency under its first reading is calm');
});

t.test('a degraded host slows every strategy; a down or draining one holds it', async (t) => {
  t.equal(throttleDecision(aggressive, host(reading(10, 'degraded')), base(10)).concurrency, 1);
  for (const state of ['down', 'draining', 'half-open'] as const) t.equal(throttleDecision(conservative, host(reading(10, state), 0), base(10, 0)).hold, true, state);
});

t.test('sub-millisecond noise on a loopback host does not count as a slow-down', async (t) => {
  t.equal(throttleDecision(conservative, host(reading(0.9)), base(0.1)).concurrency, conservative.concurrency);
});

const arbMs = fc.option(fc.double({ min: 0, max: 10_000, noNaN: true }), { nil: null });
const arbState = fc.constantFrom<HealthReading['state']>('healthy', 'degraded', 'down', 'half-open', 'draining');
const arbSignals = fc.record({
  host: fc.option(fc.record({ state: arbState, latency: fc.double({ min: 0, max: 10_000, noNaN: true }) }).map(({ state, latency }) => reading(latency, state)), { nil: null }),
  loopDelayMs: arbMs,
  traffic: fc.option(fc.record({ meanMs: fc.double({ min: 0, max: 10_000, noNaN: true }), p99Ms: fc.double({ min: 0, max: 10_000, noNaN: true }) }), { nil: null }),
});
const arbCalmLevel = fc.option(fc.record({ low: fc.double({ min: 0, max: 10_000, noNaN: true }), spread: fc.double({ min: 0, max: 1_000, noNaN: true }) }), { nil: null });
const arbBaseline = fc.record({ hostLatencyMs: arbMs, loopDelayMs: arbMs, trafficMean: arbCalmLevel, trafficP99: arbCalmLevel });
const arbPrevious = fc.integer({ min: 0, max: MAX_DELAY_MS });
/** Time since the previous decision: none, a statement's, or a run idle between phases. */
const arbElapsed = fc.integer({ min: 0, max: 120_000 });
const arbStrategy = fc.constantFrom(...STRATEGIES).map((name) => STRATEGY_PRESETS[name]);

t.test('property: a decision is always bounded and never faster than the strategy', async () => {
  fc.assert(fc.property(arbStrategy, arbSignals, arbBaseline, arbPrevious, arbElapsed, (s, signals, baseline, previous, elapsed) => {
    const d = throttleDecision(s, signals, baseline, previous, elapsed);
    return Number.isInteger(d.concurrency) && d.concurrency >= 1 && d.concurrency <= s.concurrency
      && d.delayMs >= s.pauseMs && d.delayMs <= MAX_DELAY_MS && (!d.hold || d.concurrency === 1);
  }));
});

t.test('property: a slower loop never speeds the run up', async () => {
  fc.assert(fc.property(arbStrategy, arbSignals, arbBaseline, fc.double({ min: 0, max: 1_000, noNaN: true }), (s, signals, baseline, extra) => {
    const before = throttleDecision(s, signals, baseline);
    const after = throttleDecision(s, { ...signals, loopDelayMs: (signals.loopDelayMs ?? baseline.loopDelayMs ?? 0) + extra }, baseline);
    return after.delayMs >= before.delayMs && after.concurrency <= before.concurrency;
  }));
});

t.test('live traffic over its calm level backs off multiplicatively, and decays back to the pause', async (t) => {
  const calmMs = 0.5;
  const overMs = calmMs * balanced.trafficTolerance * 1.2;
  const stepMs = 250;
  let delay = balanced.pauseMs;
  const grown: number[] = [];
  for (let i = 0; i < 4; i++) grown.push(delay = throttleDecision(balanced, traffic(overMs), base(null, null, calmMs), delay, stepMs).delayMs);
  const perStep = BACKOFF_GROWTH_PER_S ** (stepMs / 1_000);
  t.ok(grown.every((d, i) => i === 0 || d >= grown[i - 1]! * (perStep - 0.02)), `grows by about ×${perStep.toFixed(2)} per ${stepMs} ms: ${grown.join(', ')}`);
  t.equal(throttleDecision(aggressive, traffic(overMs * 2), base(null, null, calmMs), 0).concurrency, 1, 'one lane while backing off');
  const decayed: number[] = [];
  for (let i = 0; i < 200 && delay > balanced.pauseMs; i++) decayed.push(delay = throttleDecision(balanced, traffic(calmMs), base(null, null, calmMs), delay, stepMs).delayMs);
  t.ok(decayed.every((d, i) => i === 0 || d < decayed[i - 1]!), 'decays at every calm decision');
  t.equal(delay, balanced.pauseMs, 'down to the strategy\'s pause exactly');
  t.equal(throttleDecision(balanced, traffic(calmMs * 1.09), base(null, null, calmMs)).delayMs, balanced.pauseMs, 'within tolerance is calm');
  t.equal(throttleDecision(balanced, traffic(null), base(null, null, calmMs), 1_000, stepMs).delayMs < 1_000, true, 'no figure (too few transactions): decays');
});

t.test('the controller moves per second of wall time, however many statements fall in it', async (t) => {
  const over = traffic(1);
  const overBase = base(null, null, 0.5);
  const oneDecision = throttleDecision(balanced, over, overBase, 100, 1_000).delayMs;
  let many = 100;
  for (let i = 0; i < 50; i++) many = throttleDecision(balanced, over, overBase, many, 20).delayMs;
  t.equal(oneDecision, 100 * BACKOFF_GROWTH_PER_S, `one second over: ×${BACKOFF_GROWTH_PER_S}`);
  t.ok(Math.abs(many - oneDecision) / oneDecision < 0.1, `fifty 20 ms statements grow it about as much: ${many} vs ${oneDecision}`);
  t.equal(throttleDecision(balanced, traffic(0.5), overBase, MAX_DELAY_MS, 1_000).delayMs,
    balanced.pauseMs + Math.floor((MAX_DELAY_MS - balanced.pauseMs) * BACKOFF_DECAY_PER_S), 'one calm second after the longest wait keeps a tenth of it');
  t.equal(throttleDecision(balanced, over, overBase, balanced.pauseMs, 0).delayMs, BACKOFF_STEP_MS, 'a rise starts from the step, even with no time gone');
});

t.test('the throttle\'s traffic baseline is the lowest mean of the run', async (t) => {
  // The constructor takes the first reading.
  const readings = [traffic(0.6), traffic(0.5), traffic(0.6), traffic(1)];
  let i = 0;
  const throttle = new Throttle(aggressive, () => readings[Math.min(i++, readings.length - 1)]!, new AbortController().signal, { slowdowns: 0 });
  t.equal(throttle.concurrency(), aggressive.concurrency, '0.5 ms after 0.6 ms becomes the baseline');
  t.equal(throttle.concurrency(), aggressive.concurrency, '0.6 ms is ×1.2 of it, within aggressive\'s tolerance');
  t.equal(throttle.concurrency(), 1, '1 ms is ×2 of it: one lane');
});

t.test('property: the controller never goes under the pause nor over the maximum, grows while over and decays while under', async () => {
  const arbCalm = fc.double({ min: 0.01, max: 1_000, noNaN: true });
  fc.assert(fc.property(arbStrategy, arbCalm, fc.double({ min: 0, max: 10, noNaN: true }), arbPrevious, fc.integer({ min: 100, max: 60_000 }), (s, calm, factor, previous, elapsed) => {
    const now = calm * factor;
    const d = throttleDecision(s, traffic(now), base(null, null, calm), previous, elapsed).delayMs;
    if (d < s.pauseMs || d > MAX_DELAY_MS) return false;
    const from = Math.max(previous, s.pauseMs);
    if (now > calm * s.trafficTolerance) return d > from || d === MAX_DELAY_MS;
    return from === s.pauseMs ? d === s.pauseMs : d < from;
  }));
});

t.test('a rise within the figure\'s own noise does not back off; one clear of it does', async (t) => {
  const noisy: ThrottleBaseline = { hostLatencyMs: null, loopDelayMs: null, trafficMean: { low: 1, spread: 0.1 }, trafficP99: null };
  const bar = 1 + NOISE_DEVIATIONS * 0.1;
  t.ok(bar > balanced.trafficTolerance, 'the noise sets the bar here, not the tolerance');
  t.equal(throttleDecision(balanced, traffic(bar - 0.01), noisy).delayMs, balanced.pauseMs, 'over the tolerance, within the noise: calm');
  t.ok(throttleDecision(balanced, traffic(bar + 0.01), noisy).delayMs > balanced.pauseMs, 'clear of the noise: backs off');
  const quiet: ThrottleBaseline = { ...noisy, trafficMean: { low: 1, spread: 0.001 } };
  t.ok(throttleDecision(balanced, traffic(balanced.trafficTolerance + 0.01), quiet).delayMs > balanced.pauseMs, 'on a quiet machine the tolerance decides');
});

t.test('the p99 alone can back the run off', async (t) => {
  t.ok(throttleDecision(balanced, traffic(0.1, 0.5 * 1.5), base(null, null, 0.1, 0.5)).delayMs > balanced.pauseMs, 'mean calm, p99 ×1.5');
  t.equal(throttleDecision(balanced, traffic(0.1, 0.5 * 1.05), base(null, null, 0.1, 0.5)).delayMs, balanced.pauseMs, 'p99 within tolerance');
});

t.test('property: more noise never backs the run off sooner', async () => {
  fc.assert(fc.property(arbStrategy, arbSignals, arbBaseline, fc.double({ min: 0, max: 100, noNaN: true }), arbPrevious, arbElapsed, (s, signals, baseline, extra, previous, elapsed) => {
    const widen = (c: Calm | null): Calm | null => (c === null ? null : { ...c, spread: c.spread + extra });
    const before = throttleDecision(s, signals, baseline, previous, elapsed);
    const after = throttleDecision(s, signals, { ...baseline, trafficMean: widen(baseline.trafficMean), trafficP99: widen(baseline.trafficP99) }, previous, elapsed);
    return after.delayMs <= before.delayMs;
  }));
});

t.test('throttle: traffic that stays up while the run waits is traffic\'s own level, and the run goes back to its pace', async (t) => {
  // Live traffic's p99 steps from 1 ms to 2 ms and stays there, whatever the run does: a rise that is not the run's.
  let p99Ms = 1;
  const throttle = new Throttle(balanced, () => ({ host: null, loopDelayMs: null, traffic: { meanMs: 0.2, p99Ms } }), new AbortController().signal, { slowdowns: 0 });
  await throttle.gate();
  p99Ms = 2;
  const gates: number[] = [];
  const until = Date.now() + 20_000;
  // The lowest of the last 30 s stays 1 ms for 30 s; without the idle reading the run would wait 5 s at a time until then.
  while (Date.now() < until) {
    const started = Date.now();
    await throttle.gate();
    gates.push(Date.now() - started);
    if (gates.some((ms) => ms >= 3_000) && gates.at(-1)! <= balanced.pauseMs * 3) break;
  }
  t.ok(gates.some((ms) => ms >= 3_000), `backed off first, as the rise could be the run's: ${gates.length} gates, longest ${Math.max(...gates)} ms`);
  t.ok(gates.at(-1)! <= balanced.pauseMs * 3, `then back at its pace within 20 s, not 30: last gate ${gates.at(-1)} ms`);
});
