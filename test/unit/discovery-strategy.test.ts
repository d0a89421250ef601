import t from 'tap';
import { MAX_DELAY_MS, STRATEGY_PRESETS, throttleDecision } from '../../src/discovery/strategy.js';
import type { HealthReading } from '../../src/health/types.js';

const reading = (latencyEwma: number, state: HealthReading['state'] = 'healthy'): HealthReading => ({ state, role: 'primary', latencyEwma, inFlight: 0, lagSeconds: null });
const { conservative, balanced, aggressive } = STRATEGY_PRESETS;

t.test('presets go from gentle to fast', async (t) => {
  t.ok(conservative.concurrency < balanced.concurrency && balanced.concurrency < aggressive.concurrency);
  t.ok(conservative.sampleRows < balanced.sampleRows && balanced.sampleRows < aggressive.sampleRows);
  t.ok(conservative.pauseMs > balanced.pauseMs && balanced.pauseMs >= aggressive.pauseMs);
});

t.test('calm host or no health figures: the strategy as configured', async (t) => {
  t.strictSame(throttleDecision(balanced, null, null), { delayMs: balanced.pauseMs, concurrency: balanced.concurrency, hold: false });
  t.strictSame(throttleDecision(balanced, reading(10), 10), { delayMs: balanced.pauseMs, concurrency: balanced.concurrency, hold: false });
});

t.test('latency above the baseline slows down, more the further it climbs', async (t) => {
  const mild = throttleDecision(balanced, reading(20), 10);
  const severe = throttleDecision(balanced, reading(80), 10);
  t.equal(mild.concurrency, 1);
  t.ok(mild.delayMs > balanced.pauseMs);
  t.ok(severe.delayMs > mild.delayMs);
  t.ok(throttleDecision(balanced, reading(100_000), 10).delayMs <= MAX_DELAY_MS);
  t.equal(throttleDecision(aggressive, reading(25), 10).concurrency, aggressive.concurrency, 'aggressive tolerates more');
});

t.test('a degraded host slows every strategy; a down or draining one holds it', async (t) => {
  t.equal(throttleDecision(aggressive, reading(10, 'degraded'), 10).concurrency, 1);
  for (const state of ['down', 'draining', 'half-open'] as const) t.equal(throttleDecision(conservative, reading(10, state), 10).hold, true, state);
});

t.test('sub-millisecond noise on a loopback host does not count as a slow-down', async (t) => {
  t.equal(throttleDecision(conservative, reading(0.9), 0.1).concurrency, conservative.concurrency);
});
