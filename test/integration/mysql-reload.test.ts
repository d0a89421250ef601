/**
 * Reload of listeners.mysql: added to a running gateway's configuration, the MySQL listener
 * starts and serves clients; removed, it stops and its clients are closed. Reload here is
 * Gateway.reload, which SIGHUP and POST /v1/reload call.
 */
import pino from 'pino';
import t from 'tap';
import mysql from 'mysql2/promise';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import { ensureMysqlFixtures, MYSQL_DB, MYSQL_HOST, MYSQL_PASSWORD, MYSQL_PORT, MYSQL_USER } from '../helpers/mysql-sluice.js';

const source = `sources:
  app:
    kind: mysql
    database: ${MYSQL_DB}
    hosts: [{ host: ${MYSQL_HOST}, port: ${MYSQL_PORT} }]
    users: [{ name: ${MYSQL_USER}, password: ${MYSQL_PASSWORD} }]
`;

t.test('listeners.mysql added at reload starts the listener, removed stops it', async (t) => {
  await ensureMysqlFixtures();
  const gateway = new Gateway(await parseConfig(source, 'test'), pino({ level: 'silent' }));
  await gateway.start();
  t.teardown(() => gateway.shutdown(2000));
  t.equal(gateway.mysql, null, 'no MySQL listener without listeners.mysql');

  await gateway.reload(await parseConfig(`listeners:\n  mysql: { listen: "127.0.0.1:0" }\n${source}`, 'test'));
  t.not(gateway.mysql, null, 'the reload started the listener');
  const port = gateway.mysql!.address!.port;
  const client = await mysql.createConnection({ host: '127.0.0.1', port, user: MYSQL_USER, password: MYSQL_PASSWORD, database: 'app' });
  const [rows] = await client.query<mysql.RowDataPacket[]>('SELECT DATABASE() AS db');
  t.equal(rows[0]!.db, MYSQL_DB, 'a client is served through the new listener');

  const closed = new Promise<void>((resolve) => client.on('error', () => resolve()));
  await gateway.reload(await parseConfig(source, 'test'));
  t.equal(gateway.mysql, null, 'the reload stopped the listener');
  await closed;
  t.pass('its client was closed');
  await t.rejects(mysql.createConnection({ host: '127.0.0.1', port, user: MYSQL_USER, password: MYSQL_PASSWORD }), 'nothing listens on the old port');
});
