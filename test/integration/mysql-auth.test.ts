/**
 * Logging in to Sluice's MySQL listener with mysql2 against the machine's MariaDB:
 * mysql_native_password, caching_sha2_password (full path over RSA on the first login, fast
 * path after), an auth switch when the user's plugin is not the greeting's, wrong passwords
 * and unknown users (1045), routing by the handshake's database, and COM_CHANGE_USER.
 */
import mysql from 'mysql2/promise';
import t from 'tap';
import { MYSQL_DB, MYSQL_DB2, MYSQL_PASSWORD, MYSQL_USER, ensureMysqlFixtures, startMysqlSluice } from '../helpers/mysql-sluice.js';

await ensureMysqlFixtures();

function connect(port: number, o: { user?: string; password?: string; database?: string } = {}) {
  return mysql.createConnection({
    host: '127.0.0.1', port, user: o.user ?? MYSQL_USER, password: o.password ?? MYSQL_PASSWORD,
    ...(o.database !== undefined && { database: o.database }),
  });
}

t.test('mysql_native_password, the database picks the source or a schema', async (t) => {
  const s = await startMysqlSluice({ database: MYSQL_DB2 });
  t.teardown(() => s.stop());
  const bySchema = await connect(s.port, { database: MYSQL_DB });
  const [rows] = await bySchema.query('SELECT DATABASE() AS db');
  t.same(rows, [{ db: MYSQL_DB }], 'a schema name starts the client in that schema on the default source');
  await bySchema.end();
  const bySource = await connect(s.port, { database: 'app' });
  const [rows2] = await bySource.query('SELECT DATABASE() AS db');
  t.same(rows2, [{ db: MYSQL_DB2 }], 'the source name starts the client in the source database');
  await bySource.end();
  const none = await connect(s.port);
  const [rows3] = await none.query('SELECT 1 AS one');
  t.same(rows3, [{ one: 1 }], 'no database: the user default source');
  await none.end();
});

t.test('wrong password and unknown user get 1045', async (t) => {
  const s = await startMysqlSluice();
  t.teardown(() => s.stop());
  await t.rejects(connect(s.port, { password: 'nope' }), { code: 'ER_ACCESS_DENIED_ERROR' });
  await t.rejects(connect(s.port, { user: 'nobody' }), { code: 'ER_ACCESS_DENIED_ERROR' });
  const ok = await connect(s.port);
  t.ok(ok, 'the right password still logs in');
  await ok.end();
});

t.test('caching_sha2_password: full path with the RSA public key, then the fast path', async (t) => {
  const s = await startMysqlSluice({ listener: 'auth: caching_sha2_password' });
  t.teardown(() => s.stop());
  const first = await connect(s.port);
  const [rows] = await first.query('SELECT 1 AS one');
  t.same(rows, [{ one: 1 }]);
  await first.end();
  t.ok(s.gateway.mysql!.sha2Cache.has(`app/${MYSQL_USER}`), 'the full path filled the cache');
  const second = await connect(s.port);
  t.ok(second, 'fast path');
  await second.end();
  await t.rejects(connect(s.port, { password: 'nope' }), { code: 'ER_ACCESS_DENIED_ERROR' });
});

t.test('auth switch to the user plugin', async (t) => {
  const s = await startMysqlSluice({
    users: `[{ name: ${MYSQL_USER}, password: ${MYSQL_PASSWORD}, auth: caching_sha2_password }, { name: other, password: pw, server_user: ${MYSQL_USER}, server_password: ${MYSQL_PASSWORD} }]`,
  });
  t.teardown(() => s.stop());
  const c = await connect(s.port);
  const [rows] = await c.query('SELECT CURRENT_USER() AS u');
  t.match(rows, [{ u: new RegExp(`^${MYSQL_USER}@`) }]);
  await c.end();
  const o = await connect(s.port, { user: 'other', password: 'pw' });
  t.ok(o, 'server_user and server_password are used towards the server');
  await o.end();
});

t.test('COM_CHANGE_USER logs in again and starts a clean session', async (t) => {
  const s = await startMysqlSluice({
    users: `[{ name: ${MYSQL_USER}, password: ${MYSQL_PASSWORD} }, { name: other, password: pw, server_user: ${MYSQL_USER}, server_password: ${MYSQL_PASSWORD} }]`,
  });
  t.teardown(() => s.stop());
  const c = await connect(s.port, { database: MYSQL_DB });
  await c.query("SET time_zone = '+05:00'");
  await c.changeUser({ user: 'other', password: 'pw', database: MYSQL_DB2 });
  const [rows] = await c.query('SELECT DATABASE() AS db, @@time_zone AS tz');
  t.same(rows, [{ db: MYSQL_DB2, tz: 'SYSTEM' }], 'schema from the request, session variables back to defaults');
  await t.rejects(c.changeUser({ user: 'other', password: 'bad' }), { code: 'ER_ACCESS_DENIED_ERROR' });
  await c.end().catch(() => undefined);
});
