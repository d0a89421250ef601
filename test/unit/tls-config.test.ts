/** TLS settings: defaults, the combinations refused at load, and what a server's SSLRequest answer means per mode. */
import t from 'tap';
import tls from 'node:tls';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { sslAnswer } from '../../src/proxy/postgres/server-tls.js';
import type { ServerTlsOptions } from '../../src/proxy/tls/tls-contexts.js';
import { clientTlsContext, TlsConfigError } from '../../src/proxy/tls/tls-contexts.js';
import { CLIENT_TLS_DISABLED, SERVER_TLS_MODES } from '../../src/config/tls.js';

function yaml(listener: string, source = ''): string {
  return `
listeners:
  postgres: { listen: "127.0.0.1:6432"${listener} }
sources:
  app:
    kind: postgres
    hosts: [{ host: 127.0.0.1 }]
    users: [{ name: app, password: pw }]
${source}`;
}

async function issuesOf(text: string): Promise<readonly string[]> {
  try {
    await parseConfig(text, 'tls.yaml');
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
}

t.test('modes other than disable need what they use', async (t) => {
  t.strictSame(await issuesOf(yaml(', client_tls: { mode: require }')), [
    'listeners.postgres.client_tls.cert: required when mode is require; give the path of the server certificate (PEM) Sluice presents to clients',
    "listeners.postgres.client_tls.key: required when mode is require; give the path of the certificate's private key (PEM)",
  ]);
  t.strictSame(await issuesOf(yaml(', client_tls: { mode: allow, cert: a, key: b, verify_client: true }')), [
    'listeners.postgres.client_tls.ca: required when verify_client is true; give the CA bundle (PEM) client certificates must chain to',
  ]);
  t.strictSame(await issuesOf(yaml('', '    server_tls: { mode: verify-full }')), [
    "sources.app.server_tls.ca: required when mode is verify-full; give the CA bundle (PEM) the server's certificate must chain to",
  ]);
  t.strictSame(await issuesOf(yaml('', '    server_tls: { mode: require, cert: c.pem }')), [
    'sources.app.server_tls.key: cert and key go together; give both or neither',
  ]);
  t.match((await issuesOf(yaml(', client_tls: { mode: sometimes }')))[0], /client_tls\.mode: must be one of disable, allow, require/);
  t.strictSame(await issuesOf(yaml(', client_tls: { mode: disable }')), [], 'disable needs nothing');
  t.match((await issuesOf(yaml(', client_tls: { mode: disable, busy_handshake_rate: -1 }')))[0], /client_tls\.busy_handshake_rate: .*handshakes per second, 0 for no pacing/);
});

t.test('handshakes are paced at 100 a second under load unless told otherwise', async (t) => {
  const base = await parseConfig(yaml(', client_tls: { mode: disable }'), 'tls.yaml');
  t.equal(base.listeners.postgres?.client_tls.busy_handshake_rate, 100);
  const off = await parseConfig(yaml(', client_tls: { mode: disable, busy_handshake_rate: 0 }'), 'tls.yaml');
  t.equal(off.listeners.postgres?.client_tls.busy_handshake_rate, 0);
});

t.test('an unreadable certificate is named with its key path and what to do', async (t) => {
  const err = t.throws(() => clientTlsContext({ ...CLIENT_TLS_DISABLED, mode: 'require', cert: '/nonexistent/s.crt', key: '/nonexistent/s.key' }, 'listeners.postgres.client_tls'));
  t.ok(err instanceof TlsConfigError, 'a TlsConfigError');
  t.match(err, { code: 'SLUICE_TLS_CONFIG', message: /certificate at \/nonexistent\/s\.crt \(listeners\.postgres\.client_tls\.cert\).*check the path/ });
  t.equal(clientTlsContext(CLIENT_TLS_DISABLED, 'x'), null);
});

t.test("a server's answer to SSLRequest, per mode", async (t) => {
  const context = tls.createSecureContext();
  for (const mode of SERVER_TLS_MODES.filter((m) => m !== 'disable')) {
    const options: ServerTlsOptions = { mode, context };
    t.equal(sslAnswer(Buffer.from('S'), options, 'h:5432'), 'tls', `${mode}: S starts TLS`);
    if (mode === 'prefer') t.equal(sslAnswer(Buffer.from('N'), options, 'h:5432'), 'plain', 'prefer: N goes on in plain text');
    else t.throws(() => sslAnswer(Buffer.from('N'), options, 'h:5432'), /does not support TLS, but server_tls.mode is/, `${mode}: N fails`);
    t.throws(() => sslAnswer(Buffer.from('SX'), options, 'h:5432'), /unencrypted data after its SSL response/, `${mode}: bytes after S are refused`);
    t.throws(() => sslAnswer(Buffer.from('E'), options, 'h:5432'), /unexpected byte 0x45/, `${mode}: anything else is an error`);
  }
});
