/**
 * Sluice logging in to a server with caching_sha2_password, MySQL 8's default: the machine's
 * MariaDB has no such plugin, so the server here is a second Sluice whose listener offers it
 * (in front of MariaDB). The first server connection takes the full path (it asks for the
 * public key and sends the password RSA-encrypted), later ones the fast path; queries from a
 * mysql2 client cross both gateways.
 */
import mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import pino from 'pino';
import t from 'tap';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import { MYSQL_DB, MYSQL_PASSWORD, MYSQL_USER, ensureMysqlFixtures, startMysqlSluice } from '../helpers/mysql-sluice.js';

await ensureMysqlFixtures();

const inner = await startMysqlSluice({ size: 4, listener: 'auth: caching_sha2_password' });
t.teardown(() => inner.stop());

const outer = new Gateway(await parseConfig(`
listeners:
  mysql: { listen: "127.0.0.1:0" }
sources:
  app:
    kind: mysql
    database: ${MYSQL_DB}
    pool: { size: 2 }
    hosts: [{ host: 127.0.0.1, port: ${inner.port} }]
    users: [{ name: ${MYSQL_USER}, password: ${MYSQL_PASSWORD} }]
`, 'test'), pino({ level: 'silent' }));
await outer.start();
t.teardown(() => outer.shutdown(2000));

t.test('full path, then fast path, through two gateways', async (t) => {
  const c = await mysql.createConnection({ host: '127.0.0.1', port: outer.mysql!.address!.port, user: MYSQL_USER, password: MYSQL_PASSWORD });
  t.teardown(() => c.end());
  const [rows] = await c.query<RowDataPacket[]>('SELECT DATABASE() AS db, 1 + 1 AS two');
  t.same(rows, [{ db: MYSQL_DB, two: 2 }]);
  t.ok(inner.gateway.mysql!.sha2Cache.has(`app/${MYSQL_USER}`), 'the first server login took the full path');
  // A transaction holds the first server connection, so the pool opens a second: the fast path.
  await c.query('BEGIN');
  const d = await mysql.createConnection({ host: '127.0.0.1', port: outer.mysql!.address!.port, user: MYSQL_USER, password: MYSQL_PASSWORD });
  const [rows2] = await d.query<RowDataPacket[]>('SELECT 2 AS two');
  t.same(rows2, [{ two: 2 }]);
  await d.end();
  await c.query('COMMIT');
  t.equal(inner.gateway.mysql!.clients.size >= 2, true, 'two server connections logged in to the inner gateway');
});
