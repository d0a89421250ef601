import t from 'tap';
import fc from 'fast-check';
import { LATENCY_BOUNDS_US, LatencyHistogram, histogramQuantileUs } from '../../src/pool/latency-histogram.js';

t.test('each observation lands in the first bucket whose bound is not below it', async (t) => {
  const h = new LatencyHistogram();
  for (const us of [0, 100, 101, 999_999, 1_000_000, 10_000_000, 10_000_001, 1e12]) h.observe(us);
  t.equal(h.counts[0], 2, '0 and 100 are ≤ 100µs');
  t.equal(h.counts[1], 1, '101 is in (100, 250]');
  t.equal(h.counts[LATENCY_BOUNDS_US.indexOf(1_000_000)], 2, '999999 and 1000000 are in (500ms, 1s]');
  t.equal(h.counts[LATENCY_BOUNDS_US.length - 1], 1, '10s on the last bound');
  t.equal(h.counts[LATENCY_BOUNDS_US.length], 2, 'beyond 10s: +Inf');
  t.equal(h.count, 8);
});

t.test('property: counts add up and the sum is exact', async () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 20_000_000 }), { maxLength: 200 }), (values) => {
    const h = new LatencyHistogram();
    for (const v of values) h.observe(v);
    if (h.count !== values.length) return false;
    if (h.sumUs !== values.reduce((a, b) => a + b, 0)) return false;
    // Bucket i holds exactly the values in (bound[i-1], bound[i]].
    return h.counts.every((c, i) => c === values.filter((v) => v > (LATENCY_BOUNDS_US[i - 1] ?? -1) && (i === LATENCY_BOUNDS_US.length || v <= LATENCY_BOUNDS_US[i]!)).length);
  }));
});

t.test('histogramQuantileUs: within the bucket of the exact quantile, and monotone in q', async () => {
  const arbUs = fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 20_000_000 }));
  fc.assert(fc.property(fc.array(arbUs, { minLength: 1, maxLength: 500 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (values, q) => {
    const h = new LatencyHistogram();
    for (const v of values) h.observe(v);
    const estimate = histogramQuantileUs(h.counts, q)!;
    const sorted = [...values].sort((a, b) => a - b);
    const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
    const bucket = LATENCY_BOUNDS_US.findIndex((b) => exact <= b);
    const top = LATENCY_BOUNDS_US.at(-1)!;
    const [low, high] = bucket === -1 ? [top, top] : [bucket === 0 ? 0 : LATENCY_BOUNDS_US[bucket - 1]!, LATENCY_BOUNDS_US[bucket]!];
    return estimate >= low && estimate <= high && histogramQuantileUs(h.counts, Math.min(1, q + 0.05))! >= estimate;
  }));
});

t.test('histogramQuantileUs: interpolates inside the bucket; null without observations', async (t) => {
  const h = new LatencyHistogram();
  t.equal(histogramQuantileUs(h.counts, 0.99), null);
  for (let i = 0; i < 98; i++) h.observe(80);
  h.observe(400);
  h.observe(400);
  // Ranks 99 and 100 are the two in (250, 500]: p99 halfway through that bucket.
  t.equal(histogramQuantileUs(h.counts, 0.99), 375);
  t.equal(histogramQuantileUs(h.counts, 0.5), 50 / 98 * 100);
});
