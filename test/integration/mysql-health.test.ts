/**
 * The MySQL health probe against the machine's MariaDB: every host of a source is asked
 * SELECT @@read_only on a kept connection; a reachable one gets latency samples and its role,
 * one where nothing listens goes down, and a client is still served by the live host.
 */
import net from 'node:net';
import mysql from 'mysql2/promise';
import pino from 'pino';
import t from 'tap';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import { MYSQL_DB, MYSQL_PASSWORD, MYSQL_USER, ensureMysqlFixtures } from '../helpers/mysql-sluice.js';

await ensureMysqlFixtures();

/** A port nothing listens on: bound, then released. */
const deadPort = await new Promise<number>((resolve) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => {
    const port = (srv.address() as net.AddressInfo).port;
    srv.close(() => resolve(port));
  });
});

const config = await parseConfig(`
listeners:
  mysql: { listen: "127.0.0.1:0" }
sources:
  app:
    kind: mysql
    database: ${MYSQL_DB}
    hosts: [{ host: 127.0.0.1, port: 3306 }, { host: 127.0.0.1, port: ${deadPort}, weight: 0 }]
    users: [{ name: ${MYSQL_USER}, password: ${MYSQL_PASSWORD} }]
`, 'test');
const gateway = new Gateway(config, pino({ level: 'silent' }));
await gateway.start();
t.teardown(() => gateway.shutdown(2000));

t.test('the dead host goes down, the live one is measured', async (t) => {
  const [live, dead] = gateway.mysql!.sources.get('app')!.hosts.hosts;
  if (dead!.health.state !== 'down') {
    await new Promise<void>((resolve) => {
      const stop = dead!.health.listen({ stateChanged: (_, __, to) => { if (to === 'down') { stop(); resolve(); } } });
    });
  }
  t.equal(dead!.health.state, 'down');
  t.not(live!.health.state, 'down');
  while (live!.health.latencyEwma === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  t.ok(live!.health.latencyEwma > 0, 'probe round trips are recorded');
  t.equal(live!.health.role, 'primary', 'a writable server (@@read_only = 0) is the primary');
  const c = await mysql.createConnection({ host: '127.0.0.1', port: gateway.mysql!.address!.port, user: MYSQL_USER, password: MYSQL_PASSWORD });
  const [rows] = await c.query('SELECT 1 AS one');
  t.same(rows, [{ one: 1 }]);
  await c.end();
});
