/**
 * TLS on Sluice's MySQL listener, with a CA made by the test: mysql2 verifying Sluice's
 * certificate (and refusing one from another CA), the mariadb command-line client with
 * --ssl-verify-server-cert, a plain-text client refused under `mode: require` with 3159,
 * caching_sha2_password's full path taking the password in clear over TLS, client
 * certificates under verify_client, the tls column of the admin views, and an SSLRequest
 * followed by bytes that are not TLS (that client is closed, the others go on).
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import t from 'tap';
import { MYSQL_PASSWORD, MYSQL_USER, ensureMysqlFixtures, startMysqlSluice } from '../helpers/mysql-sluice.js';
import { makeTestPki } from '../helpers/tls-certs.js';
import { CLIENT_PROTOCOL_41, buildSslRequest } from '../../src/wire/mysql/index.js';

const run = promisify(execFile);

await ensureMysqlFixtures();
const pki = await makeTestPki();
t.teardown(() => pki.remove());

function tlsListener(mode: 'allow' | 'require', extra = ''): string {
  return `client_tls: { mode: ${mode}, cert: ${JSON.stringify(pki.serverCert)}, key: ${JSON.stringify(pki.serverKey)}${extra} }`;
}

type Ssl = NonNullable<mysql.ConnectionOptions['ssl']>;

function connect(port: number, ssl?: Ssl, password = MYSQL_PASSWORD) {
  return mysql.createConnection({ host: '127.0.0.1', port, user: MYSQL_USER, password, database: 'app', ...(ssl && { ssl }) });
}

t.test('mode allow: TLS for clients that ask, plain text for the others', async (t) => {
  const s = await startMysqlSluice({ listener: tlsListener('allow') });
  t.teardown(() => s.stop());
  const secure = await connect(s.port, { ca: pki.pem.caCert });
  t.teardown(() => secure.end());
  const [rows] = await secure.query('SELECT 1 AS one');
  t.same(rows, [{ one: 1 }], 'queries run over TLS (mysql2 verified the certificate against the CA)');
  const [inTx] = await secure.query('SELECT 2 AS two');
  t.same(inTx, [{ two: 2 }]);
  const plain = await connect(s.port);
  t.teardown(() => plain.end());
  await plain.query('SELECT 1');
  const views = s.gateway.inventory.clients().filter((c) => c.protocol === 'mysql');
  const tls = views.map((c) => c.tls).sort();
  t.equal(tls.length, 2);
  t.equal(tls[0], '', 'the plain-text client has no tls column');
  t.match(tls[1], /^TLSv1\.[23]\/TLS_/, 'the TLS client shows protocol and cipher');
  await t.rejects(connect(s.port, { ca: pki.pem.otherCaCert }), /self[- ]signed|unable to verify|certificate/i, 'a certificate from another CA does not verify');
});

t.test('the mariadb command-line client with --ssl-verify-server-cert', async (t) => {
  const s = await startMysqlSluice({ listener: tlsListener('require') });
  t.teardown(() => s.stop());
  const base = ['-h', '127.0.0.1', '-P', String(s.port), '-u', MYSQL_USER, `-p${MYSQL_PASSWORD}`, '-N', '-B'];
  const out = await run('mariadb', [...base, '--ssl', `--ssl-ca=${pki.caCert}`, '--ssl-verify-server-cert', 'app', '-e', 'SELECT 40 + 2']);
  t.equal(out.stdout.trim(), '42');
  const refused = await run('mariadb', [...base, '--skip-ssl', 'app', '-e', 'SELECT 1']).then(() => null, (err: { stderr: string }) => err.stderr);
  t.match(refused, /3159.*requires TLS/, 'a plain-text mariadb client reads why it was refused');
});

t.test('mode require refuses a plain-text login with ER_SECURE_TRANSPORT_REQUIRED', async (t) => {
  const s = await startMysqlSluice({ listener: tlsListener('require') });
  t.teardown(() => s.stop());
  await t.rejects(connect(s.port), { errno: 3159, code: 'ER_SECURE_TRANSPORT_REQUIRED', sqlState: 'HY000', message: /client_tls\.mode require/ });
  const ok = await connect(s.port, { ca: pki.pem.caCert });
  t.ok(ok, 'the same user over TLS logs in');
  await ok.end();
});

t.test('caching_sha2_password: the full path takes the password in clear over TLS', async (t) => {
  const s = await startMysqlSluice({ listener: `auth: caching_sha2_password, ${tlsListener('require')}` });
  t.teardown(() => s.stop());
  await t.rejects(connect(s.port, { ca: pki.pem.caCert }, 'wrong'), { code: 'ER_ACCESS_DENIED_ERROR' }, 'a wrong password is refused');
  t.notOk(s.gateway.mysql!.sha2Cache.has(`app/${MYSQL_USER}`));
  const first = await connect(s.port, { ca: pki.pem.caCert });
  const [rows] = await first.query('SELECT 1 AS one');
  t.same(rows, [{ one: 1 }]);
  await first.end();
  t.ok(s.gateway.mysql!.sha2Cache.has(`app/${MYSQL_USER}`), 'the full path passed (no RSA key was made)');
  t.equal(Reflect.get(s.gateway.mysql!, 'keys'), null, 'the RSA key pair was never needed');
});

t.test('verify_client: a client certificate from the CA is required', async (t) => {
  const s = await startMysqlSluice({ listener: tlsListener('require', `, ca: ${JSON.stringify(pki.caCert)}, verify_client: true`) });
  t.teardown(() => s.stop());
  const ok = await connect(s.port, { ca: pki.pem.caCert, cert: pki.pem.clientCert, key: pki.pem.clientKey });
  const [rows] = await ok.query('SELECT 1 AS one');
  t.same(rows, [{ one: 1 }]);
  await ok.end();
  await t.rejects(connect(s.port, { ca: pki.pem.caCert }), 'no client certificate: the handshake fails');
});

/** Reads the greeting, sends an SSLRequest and then `after`; resolves with what came back once the socket closed. */
function sslRequestThen(port: number, after: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const got: Buffer[] = [];
    let greeted = false;
    socket.on('data', (chunk: Buffer) => {
      if (greeted) {
        got.push(chunk);
        return;
      }
      greeted = true;
      socket.write(Buffer.concat([buildSslRequest({ capabilities: CLIENT_PROTOCOL_41 }, 1), after]));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(got)));
    socket.setTimeout(5000, () => reject(new Error('the connection was not closed')));
  });
}

t.test('an SSLRequest followed by bytes that are not TLS closes that client only', async (t) => {
  const s = await startMysqlSluice({ listener: tlsListener('allow') });
  t.teardown(() => s.stop());
  const answer = await sslRequestThen(s.port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  t.notMatch(answer.toString('latin1'), /Access denied/, 'no login was attempted on garbage');
  const ok = await connect(s.port, { ca: pki.pem.caCert });
  const [rows] = await ok.query('SELECT 1 AS one');
  t.same(rows, [{ one: 1 }], 'the listener still serves TLS clients');
  await ok.end();
});

t.test('an SSLRequest to a listener without TLS gets an ERR packet', async (t) => {
  const s = await startMysqlSluice();
  t.teardown(() => s.stop());
  const answer = await sslRequestThen(s.port, Buffer.alloc(0));
  t.match(answer.toString('latin1'), /TLS is not offered by this listener/);
  t.equal(answer[4], 0xff, 'an ERR packet');
});
