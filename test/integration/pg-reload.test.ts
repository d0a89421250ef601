import t from 'tap';
import pg from 'pg';
import { parseConfig } from '../../src/config/load.js';
import { startSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, PG_PORT, TEST_DATABASE, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';

t.test('reload applies pool size and users without dropping clients', async (t) => {
  await ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD);
  const s = await startSluice({ size: 2 });
  t.teardown(() => s.stop());
  const c = new pg.Client(s.url());
  await c.connect();
  await c.query('BEGIN');
  await c.query('SELECT 1');

  const next = await parseConfig(`
listeners:
  postgres: { listen: "127.0.0.1:${s.port}" }
sources:
  app:
    kind: postgres
    database: ${TEST_DATABASE}
    pool: { mode: transaction, size: 7, query_wait_timeout: 3s }
    hosts: [{ host: 127.0.0.1, port: ${PG_PORT} }]
    users:
      - { name: ${TEST_ROLE}, password: ${TEST_PASSWORD} }
      - { name: reload_user, password: secret, server_user: ${TEST_ROLE}, server_password: ${TEST_PASSWORD} }
`, 'reload');
  await s.gateway.reload(next);

  const r = await c.query('SELECT 2 AS n');
  t.equal(r.rows[0].n, 2, 'the client inside a transaction is not dropped');
  await c.query('COMMIT');
  const pool = s.gateway.postgres!.sources.get('app')!.pools.get(TEST_ROLE)!;
  t.equal(pool.snapshot().size, 7, 'the new pool size applies');

  const added = new pg.Client(s.url({ user: 'reload_user', password: 'secret' }));
  await added.connect();
  const who = await added.query('SELECT current_user AS u');
  t.equal(who.rows[0].u, TEST_ROLE, 'a user added by reload logs in and maps to its server user');
  await added.end();
  await c.end();
});
