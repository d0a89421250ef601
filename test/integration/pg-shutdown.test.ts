import t from 'tap';
import pg from 'pg';
import { startSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';

t.test('shutdown lets a transaction in flight finish, refuses new work, then closes', async (t) => {
  await ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD);
  const s = await startSluice({ size: 2 });
  const busy = new pg.Client(s.url());
  const idle = new pg.Client(s.url());
  await busy.connect();
  await idle.connect();
  busy.on('error', () => {});
  idle.on('error', () => {});
  await busy.query('BEGIN');
  await busy.query('SELECT 1');

  const shutdown = s.gateway.shutdown(5000);
  let finished = false;
  void shutdown.then(() => { finished = true; });
  await new Promise((r) => setTimeout(r, 200));
  t.notOk(finished, 'shutdown waits for the open transaction');

  await t.rejects(idle.query('SELECT 1'), { code: '57P01' }, 'a new transaction is refused with admin shutdown');
  const r = await busy.query('SELECT 2 AS n');
  t.equal(r.rows[0].n, 2, 'the transaction in flight keeps working');
  await busy.query('COMMIT');
  await shutdown;
  t.ok(finished, 'shutdown completes once the transaction has ended');
  await t.rejects(new pg.Client(s.url()).connect(), 'the listener no longer accepts');
  await busy.end().catch(() => {});
  await idle.end().catch(() => {});
});

t.test('shutdown cuts transactions still open at shutdown_timeout', async (t) => {
  const s = await startSluice({ size: 1 });
  const c = new pg.Client(s.url());
  c.on('error', () => {});
  await c.connect();
  await c.query('BEGIN');
  const started = Date.now();
  await s.gateway.shutdown(300);
  t.ok(Date.now() - started < 3000, 'returns after the timeout');
  await t.rejects(c.query('SELECT 1'), 'the lingering client was disconnected');
  await c.end().catch(() => {});
});
