/**
 * The MySQL parts of the configuration: listeners.mysql and `kind: mysql` sources, their
 * defaults (port 3306, the source name as default schema, the pool settings postgres has),
 * and the errors an operator gets for a bad plugin name, a missing host or duplicate users.
 */
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { redactConfig } from '../../src/log.js';
import { CLIENT_TLS_DISABLED } from '../../src/config/tls.js';

async function issuesOf(yaml: string): Promise<readonly string[]> {
  try {
    await parseConfig(yaml, 'test.yaml', { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error(`configuration was accepted:${yaml}`);
}

function mysql(source = '', listener = ''): string {
  return `
listeners:
  mysql: { listen: 127.0.0.1:6033${listener} }
sources:
  shop:
    kind: mysql
    hosts: [{ host: db1 }]
    users: [{ name: app, password: pw }]
${source}`;
}

t.test('defaults', async (t) => {
  const config = await parseConfig(mysql(), 'test.yaml', { env: {} });
  t.same(config.listeners.mysql, {
    listen: { host: '127.0.0.1', port: 6033 }, max_client_conn: 10000, client_login_timeout: 15000,
    max_packet_size: 64 * 1024 * 1024, auth: 'mysql_native_password', client_tls: CLIENT_TLS_DISABLED,
  });
  const shop = config.sources.shop!;
  if (shop.kind !== 'mysql') throw new Error('kind');
  t.equal(shop.database, 'shop', 'the schema defaults to the source name');
  t.same(shop.hosts, [{ host: 'db1', port: 3306, role: 'primary', zone: '', weight: 1 }]);
  t.equal(shop.pool.mode, 'transaction');
  t.equal(shop.pool.size, 20);
});

t.test('settings', async (t) => {
  const config = await parseConfig(mysql(`    database: ''
    pool: { size: 50, max_prepared_statements: 10 }`, ', auth: caching_sha2_password'), 'test.yaml', { env: {} });
  const shop = config.sources.shop!;
  if (shop.kind !== 'mysql') throw new Error('kind');
  t.equal(shop.database, '');
  t.equal(shop.pool.size, 50);
  t.equal(shop.pool.max_prepared_statements, 10);
  t.equal(config.listeners.mysql?.auth, 'caching_sha2_password');
  const redacted = redactConfig(config).sources.shop!;
  t.not(redacted.kind === 'mysql' && redacted.users[0]!.password, 'pw', 'passwords are redacted');
});

t.test('errors', async (t) => {
  t.match((await issuesOf(mysql('', ', auth: sha256_password'))).join('\n'), /listeners\.mysql\.auth/);
  t.match((await issuesOf(mysql().replace('    hosts: [{ host: db1 }]\n', ''))).join('\n'), /hosts/);
  t.match((await issuesOf(mysql().replace('[{ name: app, password: pw }]', '[{ name: app, password: a }, { name: app, password: b }]'))).join('\n'), /duplicate user "app"/);
  t.match((await issuesOf(`${mysql()}\nadmin: { listen: 127.0.0.1:6033, auth: none }`)).join('\n'), /listeners\.mysql\.listen: 127\.0\.0\.1:6033 is already used by admin\.listen/);
});

t.test('routing: the postgres keys, durations resolved; a bad one names its path', async (t) => {
  const config = await parseConfig(mysql('    routing: { read_write_split: true, replica_lag_max: 2s, failover_timeout: 500ms }'), 'test.yaml', { env: {} });
  const shop = config.sources.shop!;
  t.same(shop.kind === 'mysql' && shop.routing, { read_write_split: true, prefer_zones: [], replica_lag_max: 2000, primary_reads: 'fallback', failover_timeout: 500 });
  const without = (await parseConfig(mysql(), 'test.yaml', { env: {} })).sources.shop!;
  t.equal(without.kind === 'mysql' && without.routing, undefined, 'absent: no routing block');
  const issues = await issuesOf(mysql('    routing: { primary_reads: sometimes }'));
  t.match(issues.join('\n'), /sources\.shop\.routing\.primary_reads/);
});
