import t from 'tap';
import pg from 'pg';
import { startSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';

t.test('a query through Sluice', async (t) => {
  await ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD);
  const s = await startSluice();
  t.teardown(() => s.stop());
  const c = new pg.Client(s.url());
  await c.connect();
  const r = await c.query('select $1::int + 1 as n', [41]);
  t.equal(r.rows[0].n, 42);
  await c.end();
});
