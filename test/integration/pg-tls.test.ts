/**
 * TLS on both sides of the PostgreSQL proxy, with a certificate authority made by the test:
 * psql and node-postgres to Sluice with sslmode require and verify-full, PostgreSQL 17 direct
 * TLS (ALPN "postgresql"), client certificates (verify_client), plain-text clients refused under
 * require; and Sluice to a real PostgreSQL that accepts TLS connections only (hostssl), verified
 * against the CA, with the wrong CA and with TLS off refused.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import tls from 'node:tls';
import { promisify } from 'node:util';
import t from 'tap';
import pg from 'pg';
import { serialize } from 'pg-protocol/dist/serializer';
import { startCluster, type TempCluster } from '../helpers/cluster.js';
import { adminQuery, ensureRoleAndDb, loginError, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import { startSluice, type TestSluice, type YamlValue } from '../helpers/sluice.js';
import { makeTestPki, type TestPki } from '../helpers/tls-certs.js';

const run = promisify(execFile);
let pki: TestPki;

t.before(async () => {
  await ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD);
  pki = await makeTestPki();
});
t.teardown(() => pki.remove());

function clientTls(mode: string, extra: Record<string, YamlValue> = {}): Record<string, YamlValue> {
  return { client_tls: { mode, cert: pki.serverCert, key: pki.serverKey, ...extra } };
}

/** psql with the given libpq settings; resolves with its output, rejects with its stderr. */
async function psql(s: TestSluice, settings: Record<string, string>, sql = 'select 1 as one'): Promise<string> {
  const conninfo = Object.entries({ host: '127.0.0.1', port: String(s.port), user: TEST_ROLE, dbname: 'app', ...settings })
    .map(([k, v]) => `${k}=${v}`).join(' ');
  const { stdout } = await run('psql', ['-X', '-At', '-c', sql, conninfo], { env: { ...process.env, PGPASSWORD: TEST_PASSWORD }, timeout: 15_000 });
  return stdout.trim();
}

t.test('client_tls require: psql and node-postgres over TLS, plain text refused with 28000', async (t) => {
  const s = await startSluice({ listener: clientTls('require'), admin: true });
  t.teardown(() => s.stop());
  t.equal(await psql(s, { sslmode: 'require' }), '1', 'psql sslmode=require');
  t.equal(await psql(s, { sslmode: 'verify-full', sslrootcert: pki.caCert }), '1', 'psql sslmode=verify-full checks the certificate against 127.0.0.1');
  t.equal(await psql(s, { sslmode: 'verify-full', sslrootcert: pki.caCert }, 'select ssl from pg_stat_ssl where pid = pg_backend_pid()'), 'f',
    'towards the server Sluice stays in plain text (server_tls off)');
  await t.rejects(psql(s, { sslmode: 'verify-full', sslrootcert: pki.otherCaCert }), /certificate verify failed/, 'a client trusting another CA refuses Sluice');

  const c = new pg.Client({ connectionString: s.url(), ssl: { ca: pki.pem.caCert, rejectUnauthorized: true } });
  await c.connect();
  t.equal((await c.query<{ n: number }>('select 41 + 1 as n')).rows[0]!.n, 42, 'node-postgres with a verified TLS connection');
  const clients = await (await fetch(`${s.adminUrl}/v1/clients`)).json() as { tls?: string }[];
  t.match(clients, [{ tls: /^TLSv1\.[23]\/TLS_/ }], 'the admin view shows the TLS version and cipher (PgBouncer\'s tls column)');
  await c.end();

  const plain = await loginError({ connectionString: s.url(), ssl: false });
  t.equal(plain?.code, '28000', 'a plain-text login gets 28000');
  t.match(plain?.message, /requires TLS/);
  await t.rejects(psql(s, { sslmode: 'disable' }), /requires TLS/, 'psql sslmode=disable is told why');
});

t.test('client_tls allow: TLS when asked, plain text otherwise', async (t) => {
  const s = await startSluice({ listener: clientTls('allow') });
  t.teardown(() => s.stop());
  t.equal(await psql(s, { sslmode: 'require' }), '1');
  t.equal(await psql(s, { sslmode: 'disable' }), '1');
});

t.test('client_tls disable answers N, and sslmode=require fails on the client side', async (t) => {
  const s = await startSluice({});
  t.teardown(() => s.stop());
  t.equal(await psql(s, { sslmode: 'prefer' }), '1', 'prefer falls back to plain text');
  await t.rejects(psql(s, { sslmode: 'require' }), /server does not support SSL/);
});

t.test('verify_client: a client certificate from the CA is required', async (t) => {
  const s = await startSluice({ listener: clientTls('require', { ca: pki.caCert, verify_client: true }) });
  t.teardown(() => s.stop());
  t.equal(await psql(s, { sslmode: 'verify-full', sslrootcert: pki.caCert, sslcert: pki.clientCert, sslkey: pki.clientKey }), '1');
  await t.rejects(psql(s, { sslmode: 'require' }), /certificate|alert/i, 'without a certificate the handshake fails');
});

/** A direct-TLS login by hand: TLS from the first byte, then the startup packet inside it. */
async function directTlsLogin(port: number, alpn: string[] | undefined): Promise<string> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: pki.pem.caCert, ...(alpn && { ALPNProtocols: alpn }) });
  socket.on('error', () => {});
  await once(socket, 'secureConnect');
  socket.write(serialize.startup({ user: TEST_ROLE, database: 'app' }));
  // The first message's type: 'R' (authentication request) means the login went ahead.
  const first = await Promise.race([
    once(socket, 'data').then(([chunk]: Buffer[]) => String.fromCharCode(chunk![0]!)),
    once(socket, 'close').then(() => 'closed'),
  ]);
  socket.destroy();
  return first;
}

t.test('direct TLS (PostgreSQL 17 sslnegotiation=direct) needs ALPN "postgresql"', async (t) => {
  const s = await startSluice({ listener: clientTls('require') });
  t.teardown(() => s.stop());
  t.equal(await directTlsLogin(s.port, ['postgresql']), 'R', 'the startup packet inside TLS gets an authentication request');
  await t.rejects(directTlsLogin(s.port, ['http/1.1']), 'a client offering another protocol fails the handshake');
  t.equal(await directTlsLogin(s.port, undefined), 'closed', 'without ALPN the connection is closed');
});

t.test('server_tls towards a PostgreSQL that only accepts TLS', async (t) => {
  let cluster: TempCluster;
  try {
    cluster = await startCluster('scram-sha-256', 'tls_user', 'tls-pass', 'tls_db', {
      hostLines: ['hostssl all all 127.0.0.1/32 scram-sha-256', 'hostnossl all all 127.0.0.1/32 reject'],
      settings: ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"],
      files: { 'server.crt': pki.pem.serverCert, 'server.key': pki.pem.serverKey },
    });
  } catch (err) {
    t.fail(`the TLS-only cluster did not start: ${(err as Error).message}`);
    return;
  }
  t.teardown(() => cluster.stop());
  const through = async (serverTls: string, tt: typeof t): Promise<TestSluice> => {
    const s = await startSluice({ host: cluster.host, port: cluster.port, database: cluster.database, user: cluster.user, password: cluster.password, extraSource: `server_tls: ${serverTls}`, pool: { query_wait_timeout: '2s' }, admin: true });
    tt.teardown(() => s.stop());
    return s;
  };

  await t.test('verify-full with the CA: served over TLS', async (tt) => {
    const s = await through(`{ mode: verify-full, ca: ${JSON.stringify(pki.caCert)} }`, tt);
    const c = new pg.Client(s.url());
    await c.connect();
    const row = (await c.query<{ ssl: boolean }>('select ssl from pg_stat_ssl where pid = pg_backend_pid()')).rows[0]!;
    tt.equal(row.ssl, true, 'the server connection is encrypted');
    const servers = await (await fetch(`${s.adminUrl}/v1/servers`)).json() as { tls?: string }[];
    tt.ok(servers.length > 0 && servers.every((v) => /^TLSv1\.[23]\//.test(v.tls ?? '')), 'the admin view shows TLS towards the server');
    await c.end();
  });

  await t.test('require without a CA: encrypted, not verified', async (tt) => {
    const s = await through('{ mode: require }', tt);
    const c = new pg.Client(s.url());
    await c.connect();
    tt.equal((await c.query<{ ssl: boolean }>('select ssl from pg_stat_ssl where pid = pg_backend_pid()')).rows[0]!.ssl, true);
    await c.end();
  });

  await t.test('verify-ca with a CA that did not sign the server: refused', async (tt) => {
    const s = await through(`{ mode: verify-ca, ca: ${JSON.stringify(pki.otherCaCert)} }`, tt);
    const err = await loginError({ connectionString: s.url(), query_timeout: 10_000 });
    tt.ok(err, 'the client is refused');
    tt.match(err?.message, /certificate/i, 'and the error says the certificate did not verify');
    tt.comment(err?.message ?? '');
  });

  await t.test('TLS off towards a hostssl-only server: refused by the server', async (tt) => {
    const s = await through('{ mode: disable }', tt);
    const err = await loginError({ connectionString: s.url(), query_timeout: 10_000 });
    tt.match(err?.message, /no pg_hba.conf entry|no encryption/i);
  });
});

t.test('server_tls prefer towards a server without TLS goes on in plain text', async (t) => {
  const s = await startSluice({ extraSource: 'server_tls: { mode: prefer }' });
  t.teardown(() => s.stop());
  const c = new pg.Client(s.url());
  await c.connect();
  t.equal((await c.query<{ one: number }>('select 1 as one')).rows[0]!.one, 1);
  await c.end();
  // The machine's cluster normally runs without ssl; where it has it, require simply works.
  const serverSsl = (await adminQuery<{ ssl: string }>('show ssl'))[0]!.ssl === 'on';
  const strict = await startSluice({ extraSource: 'server_tls: { mode: require }', pool: { query_wait_timeout: '2s' } });
  t.teardown(() => strict.stop());
  const err = await loginError({ connectionString: strict.url(), query_timeout: 10_000 });
  if (serverSsl) t.equal(err, null, 'require towards a server with ssl on');
  else t.match(err?.message, /does not support TLS/, 'require towards a server without TLS fails with a clear reason');
});
