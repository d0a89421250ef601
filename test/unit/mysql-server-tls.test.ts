/** server_tls on MySQL sources: accepted and checked at load as on PostgreSQL sources, and what a greeting without CLIENT_SSL means per mode. */
import t from 'tap';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError, ServerConnectError } from '../../src/errors.js';
import type { MysqlSourceConfig } from '../../src/config/types.js';
import { loginOverTls } from '../../src/proxy/mysql/server-tls.js';
import { CLIENT_PROTOCOL_41, CLIENT_SSL } from '../../src/wire/mysql/index.js';

function yaml(serverTls: string): string {
  return `
listeners:
  mysql: { listen: "127.0.0.1:6033" }
sources:
  app:
    kind: mysql
    hosts: [{ host: 127.0.0.1 }]
    users: [{ name: app, password: pw }]
${serverTls}`;
}

t.test('server_tls on a mysql source: defaults, values and refusals at load', async (t) => {
  const plain = (await parseConfig(yaml(''), 'tls.yaml')).sources.app as MysqlSourceConfig;
  t.strictSame(plain.server_tls, { mode: 'disable', ca: '', cert: '', key: '' }, 'absent: disable');
  const full = (await parseConfig(yaml('    server_tls: { mode: verify-full, ca: ca.pem, cert: c.pem, key: k.pem }'), 'tls.yaml')).sources.app as MysqlSourceConfig;
  t.strictSame(full.server_tls, { mode: 'verify-full', ca: 'ca.pem', cert: 'c.pem', key: 'k.pem' });
  const issues = async (text: string): Promise<readonly string[]> => parseConfig(text, 'tls.yaml').then(() => [], (err: unknown) => {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  });
  t.strictSame(await issues(yaml('    server_tls: { mode: verify-ca }')), [
    "sources.app.server_tls.ca: required when mode is verify-ca; give the CA bundle (PEM) the server's certificate must chain to",
  ]);
  t.strictSame(await issues(yaml('    server_tls: { mode: require, key: k.pem }')), ['sources.app.server_tls.cert: cert and key go together; give both or neither']);
  t.match((await issues(yaml('    server_tls: { mode: preferred }')))[0], /sources\.app\.server_tls\.mode: must be one of disable, prefer, require, verify-ca, verify-full/);
  t.match((await issues(yaml('    server_tls: { mode: require, sslmode: x }')))[0], /sources\.app\.server_tls/, 'unknown keys are refused');
});

t.test('a greeting with CLIENT_SSL means TLS under every mode; without it, plain text only under prefer', async (t) => {
  const withSsl = CLIENT_PROTOCOL_41 | CLIENT_SSL;
  for (const mode of ['prefer', 'require', 'verify-ca', 'verify-full'] as const) {
    t.equal(loginOverTls(withSsl, mode, 'db:3306'), true, `${mode}: TLS when offered`);
  }
  t.equal(loginOverTls(CLIENT_PROTOCOL_41, 'prefer', 'db:3306'), false, 'prefer: plain text when not offered');
  for (const mode of ['require', 'verify-ca', 'verify-full'] as const) {
    const err = t.throws(() => loginOverTls(CLIENT_PROTOCOL_41, mode, 'db:3306')) as ServerConnectError;
    t.type(err, ServerConnectError);
    t.equal(err.refused, true, `${mode}: a refusal, so waiting clients are told at once`);
    t.match(err.message, `server db:3306 does not offer TLS and server_tls.mode is ${mode}`);
  }
});
