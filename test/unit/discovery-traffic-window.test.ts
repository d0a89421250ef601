import t from 'tap';
import fc from 'fast-check';
import { CalmLevel, MIN_SPREAD_SECONDS, MIN_TRANSACTIONS, TrafficWindow, WINDOW_MS, type TrafficFigures, type TrafficTotals } from '../../src/discovery/traffic-window.js';
import { LatencyHistogram } from '../../src/pool/latency-histogram.js';

/** The pools' totals as hostTraffic hands them over: a copy of a live histogram's. */
const totalsOf = (h: LatencyHistogram): TrafficTotals => ({ sumUs: h.sumUs, count: h.count, buckets: [...h.counts] });

/** Feeds readings every 100 ms from `start`, `perTick` transactions of `us` each into `h`, and returns the last figures. */
function feed(w: TrafficWindow, ticks: number, perTick: number, us: number, h = new LatencyHistogram(), start = 0): TrafficFigures | null {
  let last: TrafficFigures | null = null;
  for (let i = 0; i < ticks; i++) {
    for (let n = 0; n < perTick; n++) h.observe(us);
    last = w.sample(totalsOf(h), start + i * 100);
  }
  return last;
}

t.test('no figure until a whole window has been seen', async (t) => {
  const w = new TrafficWindow();
  const h = new LatencyHistogram();
  t.equal(feed(w, WINDOW_MS / 100, 100, 500, h), null);
  for (let n = 0; n < 100; n++) h.observe(500);
  t.equal(w.sample(totalsOf(h), WINDOW_MS)?.meanMs, 0.5, 'then the mean in ms');
});

t.test('the figures cover the last window only', async (t) => {
  const w = new TrafficWindow();
  const h = new LatencyHistogram();
  feed(w, 40, 100, 500, h);
  const slower = feed(w, WINDOW_MS / 100, 100, 1_000, h, 4_000);
  t.equal(slower?.meanMs, 1, 'a window of slower transactions, and only those');
  t.ok(slower !== null && slower.p99Ms > 0.5 && slower.p99Ms <= 1, `p99 within the 0.5-1 ms bucket: ${slower?.p99Ms}`);
});

t.test('a slow tail moves the p99 while the mean hardly moves', async (t) => {
  const w = new TrafficWindow();
  const h = new LatencyHistogram();
  feed(w, 31, 100, 100, h);
  const calm = w.sample(totalsOf(h), 3_100)!;
  // From now on 2 transactions in 100 take 3 ms: 2 % of the window's, enough to lift its p99.
  let tail: TrafficFigures | null = null;
  for (let i = 0; i < 30; i++) {
    for (let n = 0; n < 98; n++) h.observe(100);
    h.observe(3_000);
    h.observe(3_000);
    tail = w.sample(totalsOf(h), 3_200 + i * 100);
  }
  t.ok(tail!.meanMs < calm.meanMs * 2, `mean ${calm.meanMs} -> ${tail!.meanMs}`);
  t.ok(tail!.p99Ms > calm.p99Ms * 10, `p99 ${calm.p99Ms} -> ${tail!.p99Ms}`);
});

t.test('too few transactions in the window: no figure', async (t) => {
  const w = new TrafficWindow();
  t.equal(feed(w, 40, Math.floor((MIN_TRANSACTIONS - 1) / (WINDOW_MS / 100)), 500), null);
  t.equal(w.sample(null, 4_000), null, 'no pools: no figure');
});

t.test('totals going down (a pool closed by a reload) start the window again', async (t) => {
  const w = new TrafficWindow();
  feed(w, 40, 100, 500);
  const fresh = new LatencyHistogram();
  fresh.observe(1_000);
  fresh.observe(1_000);
  t.equal(w.sample(totalsOf(fresh), 4_000), null);
  t.equal(feed(w, WINDOW_MS / 100 + 1, 100, 700, fresh, 4_100)?.meanMs, 0.7);
});

/** The robust deviation of `values`, written out plainly. */
function robustDeviation(values: number[]): number {
  const med = (xs: number[]) => {
    const ys = [...xs].sort((a, b) => a - b);
    const m = Math.floor(ys.length / 2);
    return ys.length % 2 === 1 ? ys[m]! : (ys[m - 1]! + ys[m]!) / 2;
  };
  const m = med(values);
  return 1.4826 * med(values.map((v) => Math.abs(v - m)));
}

t.test('CalmLevel: the lowest reading and the spread of the last n seconds, whatever came before', async (t) => {
  const arbSteps = fc.array(fc.record({ gap: fc.integer({ min: 0, max: 20 }), value: fc.option(fc.double({ min: 0.01, max: 100, noNaN: true }), { nil: null }) }), { minLength: 1, maxLength: 200 });
  fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), arbSteps, (seconds, steps) => {
    const calm = new CalmLevel(seconds);
    const seen: { second: number; value: number }[] = [];
    let second = 1_000;
    for (const { gap, value } of steps) {
      second += gap;
      if (value !== null) seen.push({ second, value });
      const perSecond = new Map<number, number>();
      for (const s of seen) if (s.second > second - seconds) perSecond.set(s.second, Math.min(perSecond.get(s.second) ?? Infinity, s.value));
      const lows = [...perSecond.values()];
      const got = calm.read(value, second);
      if (lows.length === 0) {
        if (got !== null) return false;
        continue;
      }
      if (got === null || got.low !== Math.min(...lows)) return false;
      const spread = lows.length < MIN_SPREAD_SECONDS ? 0 : robustDeviation(lows);
      if (Math.abs(got.spread - spread) > 1e-9 * Math.max(1, spread)) return false;
    }
    return true;
  }));
});

t.test('CalmLevel: a spike long ago no longer holds the calm level down', async (t) => {
  const calm = new CalmLevel(30);
  t.equal(calm.read(0.05, 0)?.low, 0.05, 'a lull');
  t.equal(calm.read(0.12, 10)?.low, 0.05, 'still within 30 s');
  t.equal(calm.read(0.11, 30)?.low, 0.11, 'the lull is 30 s old: the calm level moved up');
  t.equal(calm.read(null, 59)?.low, 0.11, 'no reading: what is left of the last 30 s');
  t.equal(calm.read(null, 60), null, 'nothing left');
});

t.test('CalmLevel: a few spikes hardly widen the spread', async (t) => {
  const calm = new CalmLevel(30);
  let level = null;
  for (let s = 0; s < 30; s++) level = calm.read(s % 10 === 0 ? 5 : 1 + (s % 3) * 0.01, s);
  t.equal(level?.low, 1);
  t.ok(level!.spread < 0.02, `three spikes of ×5 in 30 s: spread ${level!.spread}`);
});

t.test('CalmLevel: a reading taken while the run was idle raises the calm level to itself until it ages out', async (t) => {
  const calm = new CalmLevel(30);
  for (let s = 0; s < 10; s++) calm.read(2.7 + (s % 2) * 0.1, s);
  t.equal(calm.read(4.9, 10)?.low, 2.7, 'traffic climbed: against the lowest of 30 s it looks like a rise');
  calm.idle(4.8, 11);
  t.equal(calm.read(4.9, 11)?.low, 4.8, 'with the run idle it was still 4.8: that is where traffic stands');
  t.ok(calm.read(4.9, 12)!.spread > 0, 'the spread is still that of the readings');
  calm.idle(1, 13);
  t.equal(calm.read(4.9, 13)?.low, 2.7, 'a lower idle reading leaves the lowest reading as it is');
  calm.idle(4.8, 14);
  t.equal(calm.read(3, 20)?.low, 4.8, 'within 30 s of it, over a lower reading');
  t.equal(calm.read(3, 44)?.low, 3, 'aged out: the lowest reading again');
});

t.test('property: the calm level is the lowest reading or, while it is recent, the idle reading above it', async () => {
  fc.assert(fc.property(fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.double({ min: 0.01, max: 100, noNaN: true }), fc.integer({ min: 0, max: 60 }), (values, idle, later) => {
    const calm = new CalmLevel(30);
    values.forEach((v, s) => calm.read(v, s));
    const at = values.length - 1;
    calm.idle(idle, at);
    const kept = values.slice(Math.max(0, at + later - 29));
    const got = calm.read(null, at + later);
    if (kept.length === 0) return got === null;
    const lowest = Math.min(...kept);
    return got !== null && got.low === (later < 30 ? Math.max(lowest, idle) : lowest);
  }));
});
