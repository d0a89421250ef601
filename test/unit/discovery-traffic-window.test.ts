import t from 'tap';
import fc from 'fast-check';
import { MIN_TRANSACTIONS, RecentLow, TrafficWindow, WINDOW_MS } from '../../src/discovery/traffic-window.js';

/** Feeds readings every 100 ms from `start`, `perTick` transactions of `us` each, and returns the last figure. */
function feed(w: TrafficWindow, ticks: number, perTick: number, us: number, totals = { sumUs: 0, count: 0 }, start = 0): number | null {
  let last: number | null = null;
  for (let i = 0; i < ticks; i++) {
    totals.count += perTick;
    totals.sumUs += perTick * us;
    last = w.sample({ ...totals }, start + i * 100);
  }
  return last;
}

t.test('no figure until a whole window has been seen', async (t) => {
  const w = new TrafficWindow();
  t.equal(feed(w, WINDOW_MS / 100, 100, 500), null);
  const ticks = WINDOW_MS / 100 + 1;
  t.equal(w.sample({ sumUs: 100 * ticks * 500, count: 100 * ticks }, WINDOW_MS), 0.5, 'then the mean in ms');
});

t.test('the mean covers the last window only', async (t) => {
  const w = new TrafficWindow();
  const totals = { sumUs: 0, count: 0 };
  feed(w, 40, 100, 500, totals);
  t.equal(feed(w, WINDOW_MS / 100, 100, 1_000, totals, 4_000), 1, 'a window of slower transactions, and only those');
});

t.test('too few transactions in the window: no figure', async (t) => {
  const w = new TrafficWindow();
  t.equal(feed(w, 40, Math.floor((MIN_TRANSACTIONS - 1) / (WINDOW_MS / 100)), 500), null);
  t.equal(w.sample(null, 4_000), null, 'no pools: no figure');
});

t.test('totals going down (a pool closed by a reload) start the window again', async (t) => {
  const w = new TrafficWindow();
  const totals = { sumUs: 0, count: 0 };
  feed(w, 40, 100, 500, totals);
  t.equal(w.sample({ sumUs: 1_000, count: 2 }, 4_000), null);
  t.equal(feed(w, WINDOW_MS / 100 + 1, 100, 700, { sumUs: 1_000, count: 2 }, 4_100), 0.7);
});

t.test('RecentLow: the lowest reading of the last n seconds, whatever came before', async (t) => {
  const arbSteps = fc.array(fc.record({ gap: fc.integer({ min: 0, max: 20 }), value: fc.option(fc.double({ min: 0.01, max: 100, noNaN: true }), { nil: null }) }), { minLength: 1, maxLength: 200 });
  fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), arbSteps, (seconds, steps) => {
    const low = new RecentLow(seconds);
    const seen: { second: number; value: number }[] = [];
    let second = 1_000;
    for (const { gap, value } of steps) {
      second += gap;
      if (value !== null) seen.push({ second, value });
      const recent = seen.filter((s) => s.second > second - seconds).map((s) => s.value);
      const expected = recent.length === 0 ? null : Math.min(...recent);
      if (low.read(value, second) !== expected) return false;
    }
    return true;
  }));
});

t.test('RecentLow: a spike long ago no longer holds the baseline down', async (t) => {
  const low = new RecentLow(30);
  t.equal(low.read(0.05, 0), 0.05, 'a lull');
  t.equal(low.read(0.12, 10), 0.05, 'still within 30 s');
  t.equal(low.read(0.11, 30), 0.11, 'the lull is 30 s old: the calm level moved up');
  t.equal(low.read(null, 59), 0.11, 'no reading: what is left of the last 30 s');
  t.equal(low.read(null, 60), null, 'nothing left');
});
