import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import type { PoolConfig, PostgresSourceConfig, SluiceConfig } from '../../src/config/types.js';

/** The PostgreSQL source `name`; undefined when absent or of another kind. */
function pgSource(config: SluiceConfig, name: string): PostgresSourceConfig | undefined {
  const s = config.sources[name];
  return s?.kind === 'postgres' ? s : undefined;
}

const ISSUE_YAML = `
admin:
  listen: 127.0.0.1:9930
listeners:
  postgres: { listen: 127.0.0.1:6432 }
sources:
  bench:                          # clients connect with dbname=bench
    kind: postgres
    database: bench               # backend database (defaults to the source name)
    pool: { mode: transaction, size: 50, max_client_conn: 5000, query_wait_timeout: 30s }
    hosts:
      - { host: 127.0.0.1, port: 5432, role: primary }
    users:
      - { name: bench, password: bench }   # checked from clients, used towards the server
`;

const DEFAULT_POOL: PoolConfig = {
  mode: 'transaction',
  size: 20,
  min_size: 0,
  max_client_conn: 5000,
  query_wait_timeout: 120_000,
  idle_transaction_timeout: 0,
  server_connect_timeout: 15_000,
  server_login_retry: 1000,
  server_lifetime: 3_600_000,
  server_idle_timeout: 600_000,
  server_check_query: 'select 1',
  server_check_delay: 30_000,
  server_reset_query: 'DISCARD ALL',
  max_prepared_statements: 200,
};

t.test("the issue's YAML resolves to the full runtime config", async (t) => {
  t.strictSame(await parseConfig(ISSUE_YAML, 'issue.yaml'), {
    admin: { listen: { host: '127.0.0.1', port: 9930 }, auth: 'token', tokens: [], admin_users: [], stats_users: [] },
    listeners: {
      postgres: {
        listen: { host: '127.0.0.1', port: 6432 },
        max_client_conn: 10000,
        client_login_timeout: 15_000,
        max_packet_size: 1_073_741_824,
        client_tls: { mode: 'disable', cert: '', key: '', ca: '', verify_client: false, busy_handshake_rate: 100 },
      },
    },
    sources: {
      bench: {
        kind: 'postgres',
        name: 'bench',
        database: 'bench',
        auth: 'scram-sha-256',
        fallback: false,
        pool: { ...DEFAULT_POOL, size: 50, query_wait_timeout: 30_000 },
        hosts: [{ host: '127.0.0.1', port: 5432, role: 'primary', zone: '', weight: 1 }],
        users: [{ name: 'bench', password: 'bench' }],
        server_tls: { mode: 'disable', ca: '', cert: '', key: '' },
      },
    },
    log: { level: 'info' },
    brute_force: { enabled: true, window: 60_000, user_delay_after: 3, user_lockout_after: 10, address_delay_after: 10, address_lockout_after: 30, delay: 250, max_delay: 5_000, lockout: 300_000 },
    shutdown_timeout: 30_000,
  });
});

t.test('defaults: a minimal source gets PgBouncer-like settings', async (t) => {
  const config = await parseConfig(`
sources:
  app:
    kind: postgres
    hosts: [{ host: db.internal }]
    users: [{ name: app, password: secret }]
`, 'minimal.yaml');
  t.strictSame(config.listeners, {}, 'no PostgreSQL listener unless configured');
  t.equal(config.admin, undefined);
  t.equal(config.log.level, 'info');
  t.equal(config.shutdown_timeout, 30_000);
  const app = pgSource(config, 'app');
  t.equal(app?.name, 'app');
  t.equal(app?.database, 'app', 'database defaults to the source name');
  t.equal(app?.auth, 'scram-sha-256');
  t.strictSame(app?.pool, DEFAULT_POOL);
  t.strictSame(app?.hosts, [{ host: 'db.internal', port: 5432, role: 'primary', zone: '', weight: 1 }]);
  t.equal(app?.embedded, undefined);
});

t.test('every field can be set', async (t) => {
  const config = await parseConfig(`
admin: { listen: "[::1]:9930", auth: none, tokens: [{ name: ci, role: viewer, hash: "sha256:${'0'.repeat(64)}" }], admin_users: [app], stats_users: [app] }
listeners:
  postgres: { listen: "0.0.0.0:6432", max_client_conn: 200, client_login_timeout: 5, max_packet_size: 65536, client_tls: { mode: require, cert: /tls/s.crt, key: /tls/s.key, ca: /tls/ca.crt, verify_client: true, busy_handshake_rate: 250 } }
log: { level: debug }
shutdown_timeout: 2m
sources:
  orders:
    kind: postgres
    database: orders_prod
    auth: md5
    pool:
      mode: session
      size: 10
      min_size: 2
      max_client_conn: 100
      query_wait_timeout: 500ms
      idle_transaction_timeout: 1m
      server_connect_timeout: 3s
      server_login_retry: 2s
      server_lifetime: 1d
      server_idle_timeout: 90
      server_check_query: ""
      server_check_delay: 0
      server_reset_query: ""
      max_prepared_statements: 0
    hosts:
      - { host: a.db, port: 5433, role: primary, zone: eu-1a, weight: 2 }
      - { host: b.db, role: replica, zone: eu-1b, weight: 0.5 }
    users:
      - { name: app, password: pw, auth: trust, server_user: app_rw, server_password: spw, pool_size: 4 }
    server_tls: { mode: verify-full, ca: /tls/db-ca.crt, cert: /tls/c.crt, key: /tls/c.key }
`, 'full.yaml');
  t.strictSame(config.admin, { listen: { host: '::1', port: 9930 }, auth: 'none', tokens: [{ name: 'ci', role: 'viewer', hash: `sha256:${'0'.repeat(64)}` }], admin_users: ['app'], stats_users: ['app'] });
  t.strictSame(config.listeners.postgres, {
    listen: { host: '0.0.0.0', port: 6432 }, max_client_conn: 200, client_login_timeout: 5000, max_packet_size: 65536,
    client_tls: { mode: 'require', cert: '/tls/s.crt', key: '/tls/s.key', ca: '/tls/ca.crt', verify_client: true, busy_handshake_rate: 250 },
  });
  t.equal(config.log.level, 'debug');
  t.equal(config.shutdown_timeout, 120_000);
  const orders = pgSource(config, 'orders');
  t.equal(orders?.database, 'orders_prod');
  t.equal(orders?.auth, 'md5');
  t.strictSame(orders?.pool, {
    mode: 'session',
    size: 10,
    min_size: 2,
    max_client_conn: 100,
    query_wait_timeout: 500,
    idle_transaction_timeout: 60_000,
    server_connect_timeout: 3000,
    server_login_retry: 2000,
    server_lifetime: 86_400_000,
    server_idle_timeout: 90_000,
    server_check_query: '',
    server_check_delay: 0,
    server_reset_query: '',
    max_prepared_statements: 0,
  });
  t.strictSame(orders?.hosts, [
    { host: 'a.db', port: 5433, role: 'primary', zone: 'eu-1a', weight: 2 },
    { host: 'b.db', port: 5432, role: 'replica', zone: 'eu-1b', weight: 0.5 },
  ]);
  t.strictSame(orders?.users, [{ name: 'app', password: 'pw', auth: 'trust', server_user: 'app_rw', server_password: 'spw', pool_size: 4 }]);
  t.strictSame(orders?.server_tls, { mode: 'verify-full', ca: '/tls/db-ca.crt', cert: '/tls/c.crt', key: '/tls/c.key' });
});

t.test('embedded: hosts may be omitted and point at the embedded database', async (t) => {
  const config = await parseConfig(`
sources:
  demo:
    kind: postgres
    embedded: { kind: pglite, port: 5499 }
    users: [{ name: postgres, password: postgres }]
`, 'embedded.yaml');
  t.strictSame(pgSource(config, 'demo')?.embedded, { kind: 'pglite', data_dir: '', port: 5499 });
  t.strictSame(pgSource(config, 'demo')?.hosts, [{ host: '127.0.0.1', port: 5499, role: 'primary', zone: '', weight: 1 }]);
});

t.test('YAML anchors and merge keys share settings between sources', async (t) => {
  const config = await parseConfig(`
sources:
  a: { kind: postgres, pool: &pool { mode: session, size: 9 }, hosts: [{ host: h }], users: [{ name: u, password: p }] }
  b: { kind: postgres, pool: { <<: *pool, size: 7 }, hosts: [{ host: h }], users: [{ name: u, password: p }] }
`, 'merge.yaml');
  t.equal(pgSource(config, 'a')?.pool.size, 9);
  t.equal(pgSource(config, 'b')?.pool.mode, 'session');
  t.equal(pgSource(config, 'b')?.pool.size, 7);
});

t.test('loadConfig reads a file; relative ${file:} paths start at its directory', async (t) => {
  const dir = t.testdir({ 'secret.txt': 'from-file\n' });
  const path = join(dir, 'sluice.yaml');
  writeFileSync(path, `
sources:
  s:
    kind: postgres
    hosts: [{ host: localhost }]
    users: [{ name: u, password: "\${file:secret.txt}" }]
`);
  const config = await loadConfig(path);
  t.equal(config.sources['s']?.users[0]?.password, 'from-file');
});

t.test('loadConfig on a missing file is a ConfigError', async (t) => {
  await t.rejects(loadConfig('/nonexistent/sluice.yaml'), { code: 'SLUICE_CONFIG_INVALID', issues: [/^cannot read the file: ENOENT/] });
});
