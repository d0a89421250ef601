import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { redactConfig } from '../../src/log.js';

async function issuesOf(yaml: string): Promise<readonly string[]> {
  try {
    await parseConfig(yaml, 'test.yaml', { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error(`configuration was accepted:${yaml}`);
}

function redis(extra = '', hosts = '[{ host: 127.0.0.1 }]'): string {
  return `
sources:
  cache:
    kind: redis
    listen: 127.0.0.1:6380
    hosts: ${hosts}
${extra}`;
}

t.test('a minimal Redis source gets its defaults', async (t) => {
  const config = await parseConfig(redis(), 'minimal.yaml');
  t.strictSame(config.sources['cache'], {
    kind: 'redis',
    name: 'cache',
    listen: { host: '127.0.0.1', port: 6380 },
    hosts: [{ host: '127.0.0.1', port: 6379, role: 'primary' }],
    users: [],
    pool: {
      shared_connections: 4,
      dedicated_size: 50,
      query_wait_timeout: 120_000,
      server_connect_timeout: 15_000,
      server_login_retry: 1000,
      server_lifetime: 3_600_000,
      server_idle_timeout: 600_000,
      server_check_delay: 30_000,
      client_output_limit: 64 * 1024 * 1024,
    },
    max_client_conn: 10000,
    allow_config_writes: false,
    read_from: 'primary',
  });
});

t.test('every Redis field can be set, and secrets are redacted', async (t) => {
  const config = await parseConfig(redis(`    users: [{ name: default, password: pw }, { name: app, password: apw }]
    server: { user: sluice, password: spw }
    pool: { shared_connections: 2, dedicated_size: 5, query_wait_timeout: 2s, client_output_limit: 1048576 }
    max_client_conn: 100
    allow_config_writes: true
    read_from: replica
`, '[{ host: r1, port: 7000, role: replica }]'), 'full.yaml');
  const cache = config.sources['cache'];
  if (cache?.kind !== 'redis') throw new Error('not a redis source');
  t.strictSame(cache.users, [{ name: 'default', password: 'pw' }, { name: 'app', password: 'apw' }]);
  t.strictSame(cache.server, { user: 'sluice', password: 'spw' });
  t.strictSame(cache.hosts, [{ host: 'r1', port: 7000, role: 'replica' }]);
  t.equal(cache.pool.shared_connections, 2);
  t.equal(cache.pool.dedicated_size, 5);
  t.equal(cache.pool.query_wait_timeout, 2000);
  t.equal(cache.pool.client_output_limit, 1048576);
  t.equal(cache.max_client_conn, 100);
  t.equal(cache.allow_config_writes, true);
  t.equal(cache.read_from, 'replica');
  const text = JSON.stringify(redactConfig(config));
  t.notMatch(text, /"pw"|"apw"|"spw"/, 'passwords are masked');
});

t.test('bad Redis values name the key and the expected form', async (t) => {
  t.strictSame(await issuesOf(redis('    pool: { shared_connections: 0 }')), ['sources.cache.pool.shared_connections: must be an integer between 1 and 64 (got 0)']);
  t.strictSame(await issuesOf(redis('    pool: { size: 3 }')), [
    'sources.cache.pool.size: unknown key; expected one of shared_connections, dedicated_size, query_wait_timeout, server_connect_timeout, server_login_retry, server_lifetime, server_idle_timeout, server_check_delay, client_output_limit',
  ]);
  t.strictSame(await issuesOf(redis('    read_from: secondary')), ['sources.cache.read_from: must be one of primary, replica (got "secondary")']);
  t.strictSame(await issuesOf(redis('', '[]')), ['sources.cache.hosts: must be a non-empty list of hosts ({ host, port, role }) (got an empty list)']);
  t.strictSame(await issuesOf(redis().replace('listen: 127.0.0.1:6380', 'listen: nowhere')), [
    'sources.cache.listen: must be an address host:port such as 127.0.0.1:6432 or [::1]:6432 (port 0 picks a free port) (got "nowhere")',
  ]);
  t.strictSame(await issuesOf(redis('    users: [{ name: a, password: x }, { name: a, password: y }]')), [
    'sources.cache.users[1].name: duplicate user "a"; user names must be unique per source (first at users[0])',
  ]);
  t.strictSame(await issuesOf(redis('    server: { user: x }')), ['sources.cache.server.password: required key is missing; expected a non-empty string']);
  t.strictSame(await issuesOf(redis('    database: 3')), [
    'sources.cache.database: unknown key; expected one of kind, listen, hosts, sentinel, users, server, pool, max_client_conn, allow_config_writes, read_from',
  ]);
  t.strictSame(await issuesOf(redis().replace('    listen: 127.0.0.1:6380\n', '')), [
    'sources.cache.listen: required key is missing; expected an address host:port such as 127.0.0.1:6432 or [::1]:6432 (port 0 picks a free port)',
  ]);
});

t.test('sentinel instead of hosts', async (t) => {
  const config = await parseConfig(`
sources:
  cache:
    kind: redis
    listen: 127.0.0.1:6380
    sentinel: { master: mymaster, hosts: [{ host: s1 }, { host: s2, port: 5000 }], password: sp }
`, 'sentinel.yaml');
  const cache = config.sources['cache'];
  if (cache?.kind !== 'redis') throw new Error('not a redis source');
  t.strictSame(cache.sentinel, { master: 'mymaster', hosts: [{ host: 's1', port: 26379 }, { host: 's2', port: 5000 }], password: 'sp' });
  t.strictSame(cache.hosts, []);
  t.notMatch(JSON.stringify(redactConfig(config)), /"sp"/, 'the sentinel password is masked');
  t.strictSame(await issuesOf(`
sources:
  cache: { kind: redis, listen: 127.0.0.1:6380 }
`), ['sources.cache.hosts: required key is missing; a redis source needs hosts, or sentinel to find its primary']);
});

t.test('two listeners on one address collide', async (t) => {
  const yaml = `${redis()}  other:
    kind: redis
    listen: 127.0.0.1:6380
    hosts: [{ host: 127.0.0.1 }]
`;
  t.strictSame(await issuesOf(yaml), ['sources.other.listen: 127.0.0.1:6380 is already used by sources.cache.listen (127.0.0.1:6380); each listener needs its own address']);
});

t.test('postgres and redis sources side by side', async (t) => {
  const config = await parseConfig(`${redis()}  app:
    kind: postgres
    hosts: [{ host: 127.0.0.1 }]
    users: [{ name: u, password: p }]
`, 'mixed.yaml');
  t.equal(config.sources['app']?.kind, 'postgres');
  t.equal(config.sources['cache']?.kind, 'redis');
  t.strictSame(await issuesOf(`${redis()}  app:
    kind: postgres
    hosts: [{ host: 127.0.0.1 }]
    users: [{ name: u, password: p }]
    pool: { size: 0 }
`), ['sources.app.pool.size: must be an integer ≥ 1 (got 0)'], 'postgres issues keep their wording');
  t.strictSame(await issuesOf('sources: { x: 3 }'), ['sources.x: must be a mapping of source settings with kind: postgres, redis, mysql, s3, mongodb or snowflake (got 3)']);
});
