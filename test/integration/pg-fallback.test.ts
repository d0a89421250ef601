import t from 'tap';
import pg from 'pg';
import { parseConfig } from '../../src/config/load.js';
import { startSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

t.test('a fallback source with auth any serves any database and user name, like PgBouncer * and auth_type=any', async (t) => {
  const s = await startSluice({ auth: 'any', source: 'app', extraSource: 'fallback: true' });
  t.teardown(() => s.stop());
  const c = new pg.Client({ host: '127.0.0.1', port: s.port, user: 'someone', database: 'whatever' });
  await c.connect();
  const r = await c.query('select current_user as u, current_database() as d');
  t.same(r.rows[0], { u: TEST_ROLE, d: 'sluice_test' }, 'runs as the source\'s first user on its database');
  await c.end();
});

t.test('without a fallback an unknown database is still 3D000, and without auth any an unknown user is 28000', async (t) => {
  const s = await startSluice({ auth: 'trust' });
  t.teardown(() => s.stop());
  await t.rejects(new pg.Client({ host: '127.0.0.1', port: s.port, user: TEST_ROLE, database: 'nope' }).connect(), { code: '3D000' });
  await t.rejects(new pg.Client({ host: '127.0.0.1', port: s.port, user: 'someone', database: 'app' }).connect(), { code: '28000' });
});

t.test('two fallback sources are a configuration error', async (t) => {
  const yaml = (name: string) => `  ${name}:\n    kind: postgres\n    fallback: true\n    hosts: [{ host: 127.0.0.1 }]\n    users: [{ name: u, password: p }]\n`;
  await t.rejects(parseConfig(`sources:\n${yaml('a')}${yaml('b')}`, 'test'), { message: /at most one source may serve unknown database names/ });
});
