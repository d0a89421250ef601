// The queue forecast (issue 4 item 8): rising demand is seen before any client queues.
import t from 'tap';
import { QueueForecast } from '../../src/pool/queue-forecast.js';

/** Ten samples a second (the pool janitor's rate) of `demand(second)` against size 20. */
function feed(f: QueueForecast, fromS: number, toS: number, demand: (s: number) => number): void {
  for (let ms = fromS * 1000; ms < toS * 1000; ms += 100) f.sample(ms, demand(ms / 1000), 20);
}

t.test('a rising load gets a finite forecast while nobody waits yet', async (t) => {
  const f = new QueueForecast();
  t.equal(f.secondsUntilQueue(), Infinity, 'nothing known yet');
  // From 4 to 12 busy connections over 40 s: 0.2 a second; 20 is reached at second 80.
  feed(f, 0, 40, (s) => Math.round(4 + 0.2 * s));
  const eta = f.secondsUntilQueue();
  t.ok(eta > 30 && eta < 50, `forecast ≈ 40 s ahead (${eta.toFixed(1)})`);
  feed(f, 40, 70, (s) => Math.round(4 + 0.2 * s));
  const later = f.secondsUntilQueue();
  t.ok(later < eta && later > 0, `it shortens as the load keeps rising (${later.toFixed(1)})`);
  feed(f, 70, 90, () => 25);
  t.equal(f.secondsUntilQueue(), 0, 'demand above the pool size: queueing now');
});

t.test('flat or falling load has no forecast', async (t) => {
  const flat = new QueueForecast();
  feed(flat, 0, 60, () => 10);
  t.equal(flat.secondsUntilQueue(), Infinity);
  const falling = new QueueForecast();
  feed(falling, 0, 60, (s) => 18 - s / 5);
  t.equal(falling.secondsUntilQueue(), Infinity);
});

t.test('the window forgets old load', async (t) => {
  const f = new QueueForecast({ windowMs: 20_000 });
  feed(f, 0, 30, (s) => s / 2);
  feed(f, 30, 60, () => 15);
  t.equal(f.secondsUntilQueue(), Infinity, 'only the flat last 20 s count');
});
