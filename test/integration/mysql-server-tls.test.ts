/**
 * server_tls on a MySQL source, against a MariaDB the test starts with TLS (mariadb-tls.ts)
 * and the machine's MariaDB at 127.0.0.1:3306 (which has no TLS here; checked first). Plain
 * mysql2 clients talk to Sluice; what is checked is the session Sluice holds with the server:
 * verify-full logs in (a REQUIRE SSL user, and the health probe as that user) and the server
 * reports the session encrypted; a client certificate satisfies REQUIRE X509; require
 * against a server without TLS and verify-ca with the wrong CA fail the client's connect with
 * a clear error; prefer falls back to plain text; disable logs in in plain text.
 */
import mysql from 'mysql2/promise';
import pino from 'pino';
import t, { type Test } from 'tap';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import { CERT_USER, PLAIN_USER, TLS_TEST_DB, TLS_TEST_PASSWORD, TLS_USER, startMariadbTls } from '../helpers/mariadb-tls.js';
import { MYSQL_DB, MYSQL_PASSWORD, MYSQL_USER, ensureMysqlFixtures } from '../helpers/mysql-sluice.js';
import { makeTestPki } from '../helpers/tls-certs.js';

await ensureMysqlFixtures();
const pki = await makeTestPki();
t.teardown(() => pki.remove());
const server = await startMariadbTls(pki);
t.teardown(() => server.destroy());

interface Target { port: number; db: string; users: [string, string][] }
const TLS_SERVER: Target = { port: server.node.port, db: TLS_TEST_DB, users: [[TLS_USER, TLS_TEST_PASSWORD], [CERT_USER, TLS_TEST_PASSWORD], [PLAIN_USER, TLS_TEST_PASSWORD]] };
const LOCAL_SERVER: Target = { port: 3306, db: MYSQL_DB, users: [[MYSQL_USER, MYSQL_PASSWORD]] };

/** A gateway whose source `app` reaches `target` with this server_tls (YAML flow mapping). */
async function sluice(t: Test, target: Target, serverTls: string): Promise<{ port: number; gateway: Gateway }> {
  const config = await parseConfig(`
listeners:
  mysql: { listen: "127.0.0.1:0" }
sources:
  app:
    kind: mysql
    database: ${target.db}
    pool: { size: 2, server_connect_timeout: 3s }
    hosts: [{ host: 127.0.0.1, port: ${target.port} }]
    users: [${target.users.map(([name, password]) => `{ name: ${name}, password: ${password} }`).join(', ')}]
    server_tls: ${serverTls}
`, 'test');
  const gateway = new Gateway(config, pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }));
  await gateway.start();
  t.teardown(() => gateway.shutdown(2000));
  return { port: gateway.mysql!.address!.port, gateway };
}

function client(port: number, user: string, password: string) {
  return mysql.createConnection({ host: '127.0.0.1', port, user, password, database: 'app', connectTimeout: 10_000 });
}

/** Sluice logs clients in itself and reaches the server at the first command: that is where a server login fails. */
async function firstQuery(port: number, user: string, password: string): Promise<void> {
  const c = await client(port, user, password);
  try {
    await c.query('SELECT 1');
  } finally {
    c.destroy();
  }
}

async function sslCipher(c: mysql.Connection): Promise<string> {
  const [rows] = await c.query<mysql.RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
  return String(rows[0]!.Value);
}

const ca = JSON.stringify(pki.caCert);

t.test('the machine\'s MariaDB has no TLS (the require and prefer cases below rely on it)', async (t) => {
  const root = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
  const [rows] = await root.query<mysql.RowDataPacket[]>("SHOW VARIABLES LIKE 'have_ssl'");
  await root.end();
  t.not(rows[0]?.Value, 'YES');
});

t.test('verify-full: a REQUIRE SSL user logs in over TLS, the session is encrypted', async (t) => {
  const s = await sluice(t, TLS_SERVER, `{ mode: verify-full, ca: ${ca} }`);
  const c = await client(s.port, TLS_USER, TLS_TEST_PASSWORD);
  t.teardown(() => c.end());
  const [rows] = await c.query('SELECT 1 + 1 AS two');
  t.same(rows, [{ two: 2 }]);
  t.match(await sslCipher(c), /^[A-Z0-9_-]+$/, 'the server reports a cipher for the session Sluice holds');
  await c.query('CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY)');
  await c.query('REPLACE INTO t VALUES (1)');
  const [ids] = await c.execute('SELECT id FROM t WHERE id = ?', [1]);
  t.same(ids, [{ id: 1 }], 'prepared statements run over the TLS connection too');
  const [host] = s.gateway.mysql!.sources.get('app')!.hosts.hosts;
  const deadline = Date.now() + 10_000;
  while (host!.health.latencyEwma === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.ok(host!.health.latencyEwma > 0, 'the health probe (as the REQUIRE SSL user) logs in over TLS');
});

t.test('cert and key: a client certificate satisfies REQUIRE X509', async (t) => {
  const s = await sluice(t, TLS_SERVER, `{ mode: verify-ca, ca: ${ca}, cert: ${JSON.stringify(pki.clientCert)}, key: ${JSON.stringify(pki.clientKey)} }`);
  const c = await client(s.port, CERT_USER, TLS_TEST_PASSWORD);
  t.teardown(() => c.end());
  t.match(await sslCipher(c), /^[A-Z0-9_-]+$/);
  const without = await sluice(t, TLS_SERVER, `{ mode: verify-ca, ca: ${ca} }`);
  await t.rejects(firstQuery(without.port, CERT_USER, TLS_TEST_PASSWORD), /Access denied/, 'without a client certificate the server refuses the user');
});

t.test('require against a server without TLS: the client gets a clear error, promptly', async (t) => {
  const s = await sluice(t, LOCAL_SERVER, '{ mode: require }');
  const started = Date.now();
  await t.rejects(firstQuery(s.port, MYSQL_USER, MYSQL_PASSWORD), /does not offer TLS and server_tls\.mode is require/);
  t.ok(Date.now() - started < 5000, 'no hang: the connect fails in well under the client timeout');
});

t.test('verify-ca with the wrong CA fails the connect', async (t) => {
  const s = await sluice(t, TLS_SERVER, `{ mode: verify-ca, ca: ${JSON.stringify(pki.otherCaCert)} }`);
  await t.rejects(firstQuery(s.port, TLS_USER, TLS_TEST_PASSWORD), /certificate verify failed \(server_tls\.mode verify-ca\): [^;]+; check that server_tls\.ca/);
});

t.test('prefer against a server without TLS logs in in plain text', async (t) => {
  const s = await sluice(t, LOCAL_SERVER, '{ mode: prefer }');
  const c = await client(s.port, MYSQL_USER, MYSQL_PASSWORD);
  t.teardown(() => c.end());
  t.equal(await sslCipher(c), '', 'no cipher: the session is plain text');
});

t.test('prefer against the TLS server uses TLS', async (t) => {
  const s = await sluice(t, TLS_SERVER, '{ mode: prefer }');
  const c = await client(s.port, TLS_USER, TLS_TEST_PASSWORD);
  t.teardown(() => c.end());
  t.not(await sslCipher(c), '');
});

t.test('disable against the TLS server: plain text, so REQUIRE SSL users are refused', async (t) => {
  const s = await sluice(t, TLS_SERVER, '{ mode: disable }');
  const c = await client(s.port, PLAIN_USER, TLS_TEST_PASSWORD);
  t.teardown(() => c.end());
  t.equal(await sslCipher(c), '', 'the plain user logs in without TLS');
  await t.rejects(firstQuery(s.port, TLS_USER, TLS_TEST_PASSWORD), /Access denied/, 'the REQUIRE SSL user is refused by the server');
});
