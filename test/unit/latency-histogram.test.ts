import t from 'tap';
import fc from 'fast-check';
import { LATENCY_BOUNDS_US, LatencyHistogram } from '../../src/pool/latency-histogram.js';

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
