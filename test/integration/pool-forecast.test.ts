/**
 * The queue forecast on /metrics (issue 4 item 8): clients take server connections one after
 * another, each holding its transaction open, so demand climbs towards the pool's size. The
 * forecast must announce the coming queue while nobody waits yet.
 */
import t from 'tap';
import pg from 'pg';
import { startSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

const SIZE = 12;
/** The forecast averages per second and needs ten seconds of points before it speaks. */
const STEP_MS = 1000;

function metric(text: string, name: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{source="app",user="${TEST_ROLE}",protocol="postgres"} `));
  return line === undefined ? null : Number(line.slice(line.lastIndexOf(' ') + 1));
}

t.test('a rising load is forecast before the queue forms', async (t) => {
  const s = await startSluice({ admin: true, size: SIZE });
  const holders: pg.Client[] = [];
  t.teardown(async () => {
    await Promise.all(holders.map((c) => c.end().catch(() => {})));
    await s.stop();
  });
  let forecast: number | null = null;
  let waitingThen: number | null = null;
  for (let held = 0; held < SIZE - 1 && forecast === null; held++) {
    const c = new pg.Client(s.url());
    await c.connect();
    await c.query('BEGIN');
    await c.query('SELECT 1');
    holders.push(c);
    await new Promise((r) => setTimeout(r, STEP_MS));
    const text = await (await fetch(`${s.adminUrl}/metrics`)).text();
    forecast = metric(text, 'sluice_pool_queue_forecast_seconds');
    waitingThen = metric(text, 'sluice_pool_waiting_clients');
  }
  t.ok(forecast !== null && forecast > 0, `a forecast appeared with ${holders.length} of ${SIZE} connections held: ${forecast} s`);
  t.equal(waitingThen, 0, 'and no client was waiting yet');
  const pools = await (await fetch(`${s.adminUrl}/v1/pools`)).json() as { queueForecastSeconds?: number | null }[];
  t.match(pools, [{ queueForecastSeconds: Number }], '/v1/pools carries it too');
});
