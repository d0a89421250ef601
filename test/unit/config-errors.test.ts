import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/load.js';

/** The issues parseConfig reports for `yaml`; throws (failing the test) if it accepts it. */
async function issuesOf(yaml: string): Promise<readonly string[]> {
  try {
    await parseConfig(yaml, 'test.yaml', { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error(`configuration was accepted:${yaml}`);
}

/** A valid single-source config with `pool`, `host` and extra source keys spliced in. */
function source({ pool = '{}', host = '{ host: 127.0.0.1 }', extra = '' } = {}): string {
  return `
sources:
  bench:
    kind: postgres
    pool: ${pool}
    hosts:
      - ${host}
    users:
      - { name: bench, password: bench }
${extra}`;
}

t.test('a wrong type names the path, the expected form and the value', async (t) => {
  t.strictSame(await issuesOf(source({ pool: '{ size: fifty }' })), ['sources.bench.pool.size: must be an integer ≥ 1 (got "fifty")']);
  t.strictSame(await issuesOf(source({ pool: '{ size: 0 }' })), ['sources.bench.pool.size: must be an integer ≥ 1 (got 0)']);
  t.strictSame(await issuesOf(source({ pool: '{ size: 2.5 }' })), ['sources.bench.pool.size: must be an integer ≥ 1 (got 2.5)']);
  t.strictSame(await issuesOf(source({ host: '{ host: h, port: 70000 }' })), ['sources.bench.hosts[0].port: must be an integer between 1 and 65535 (got 70000)']);
  t.strictSame(await issuesOf(source({ pool: '[]' })), ['sources.bench.pool: must be a mapping with keys mode, size, min_size, max_client_conn, query_wait_timeout, idle_transaction_timeout, server_connect_timeout, server_login_retry, server_lifetime, server_idle_timeout, server_check_query, server_check_delay, server_reset_query, max_prepared_statements (got an empty list)']);
});

t.test('a value outside a set lists the choices', async (t) => {
  t.strictSame(await issuesOf(source({ pool: '{ mode: tx }' })), ['sources.bench.pool.mode: must be one of session, transaction, statement (got "tx")']);
  t.strictSame(await issuesOf(source({ host: '{ host: h, role: leader }' })), ['sources.bench.hosts[0].role: must be one of primary, replica, auto (got "leader")']);
  t.strictSame(await issuesOf(`${source()}log: { level: verbose }`), ['log.level: must be one of trace, debug, info, warn, error, fatal (got "verbose")']);
  t.strictSame(await issuesOf(source().replace('kind: postgres', 'kind: oracle')), ['sources.bench.kind: must be one of postgres, redis, mysql, s3, mongodb, snowflake (got "oracle")']);
});

t.test('an unknown key is an error everywhere, listing the known keys', async (t) => {
  t.strictSame(await issuesOf(source({ host: '{ host: h, colour: red }' })), ['sources.bench.hosts[0].colour: unknown key; expected one of host, port, role, zone, weight']);
  t.strictSame(await issuesOf(source({ pool: '{ pool_size: 5 }' })), [
    'sources.bench.pool.pool_size: unknown key; expected one of mode, size, min_size, max_client_conn, query_wait_timeout, idle_transaction_timeout, server_connect_timeout, server_login_retry, server_lifetime, server_idle_timeout, server_check_query, server_check_delay, server_reset_query, max_prepared_statements',
  ]);
  t.strictSame(await issuesOf(`${source()}listen: 1.2.3.4:5`), ['listen: unknown key; expected one of admin, listeners, sources, audit, log, shutdown_timeout, secrets, brute_force, discovery']);
  t.strictSame(await issuesOf(`${source()}listeners: { mongodb: { listen: "1.2.3.4:5" } }`), ['listeners.mongodb: unknown key; expected one of postgres, mysql']);
  t.strictSame(await issuesOf(source({ pool: '{ __proto__: { size: 1 } }' })), [
    'sources.bench.pool.__proto__: unknown key; expected one of mode, size, min_size, max_client_conn, query_wait_timeout, idle_transaction_timeout, server_connect_timeout, server_login_retry, server_lifetime, server_idle_timeout, server_check_query, server_check_delay, server_reset_query, max_prepared_statements',
  ], '__proto__ is a key like any other');
});

t.test('a missing required key says what belongs there', async (t) => {
  t.strictSame(await issuesOf(source({ host: '{ port: 5432 }' })), ['sources.bench.hosts[0].host: required key is missing; expected a non-empty string']);
  t.strictSame(await issuesOf(source().replace('    kind: postgres\n', '')), ['sources.bench.kind: required key is missing; expected one of postgres, redis, mysql, s3, mongodb, snowflake']);
  t.strictSame(await issuesOf(source().replace(/ {4}users:\n.*\n/, '')), ['sources.bench.users: required key is missing; expected a non-empty list of users ({ name, password, ... })']);
  t.strictSame(await issuesOf('log: { level: info }'), ['sources: required key is missing; expected a mapping from source name to source settings, with at least one source']);
});

t.test('at least one source', async (t) => {
  t.strictSame(await issuesOf('sources: {}'), ['sources: must be a mapping from source name to source settings, with at least one source (got an empty mapping)']);
});

t.test('a postgres source needs hosts or embedded', async (t) => {
  const yaml = source().replace(/ {4}hosts:\n.*\n/, '');
  t.strictSame(await issuesOf(yaml), ['sources.bench.hosts: required key is missing; a postgres source needs hosts, or embedded to start its own database']);
  t.strictSame(await issuesOf(source().replace(/ {4}hosts:\n.*\n/, '    hosts: []\n')), ['sources.bench.hosts: must be a non-empty list of hosts ({ host, port, role, zone, weight }) (got an empty list)']);
});

t.test('user names are unique per source', async (t) => {
  const yaml = source().replace('      - { name: bench, password: bench }', '      - { name: bench, password: a }\n      - { name: other, password: b }\n      - { name: bench, password: c }');
  t.strictSame(await issuesOf(yaml), ['sources.bench.users[2].name: duplicate user "bench"; user names must be unique per source (first at users[0])']);
});

t.test('pool.min_size must not exceed pool.size', async (t) => {
  t.strictSame(await issuesOf(source({ pool: '{ size: 5, min_size: 6 }' })), ['sources.bench.pool.min_size: must be ≤ pool.size (5) (got 6)']);
  t.strictSame(await issuesOf(source({ pool: '{ min_size: 21 }' })), ['sources.bench.pool.min_size: must be ≤ pool.size (20) (got 21)'], 'against the default size too');
});

t.test('durations', async (t) => {
  t.strictSame(await issuesOf(source({ pool: '{ query_wait_timeout: 30x }' })), ['sources.bench.pool.query_wait_timeout: must be a duration such as 500ms, 30s, 5m, 1h or 1d (a bare number means seconds) (got "30x")']);
  t.strictSame(await issuesOf(source({ pool: '{ server_lifetime: -5 }' })), ['sources.bench.pool.server_lifetime: must be a duration such as 500ms, 30s, 5m, 1h or 1d (a bare number means seconds) (got -5)']);
  t.strictSame(await issuesOf(`${source()}shutdown_timeout: 30d`), ['shutdown_timeout: must be at most 24d (2147483647 ms), the longest timer Node.js supports (got "30d")']);
});

t.test('listen addresses', async (t) => {
  const withListen = (listen: string) => `${source()}listeners: { postgres: { listen: "${listen}" } }`;
  const form = 'must be an address host:port such as 127.0.0.1:6432 or [::1]:6432 (port 0 picks a free port)';
  t.strictSame(await issuesOf(withListen('localhost')), [`listeners.postgres.listen: ${form} (got "localhost")`]);
  t.strictSame(await issuesOf(withListen('h:')), [`listeners.postgres.listen: ${form} (got "h:")`]);
  t.strictSame(await issuesOf(withListen('h:65536')), [`listeners.postgres.listen: ${form} (got "h:65536")`]);
  t.strictSame(await issuesOf(withListen('[nope]:6432')), [`listeners.postgres.listen: ${form} (got "[nope]:6432")`]);
  t.strictSame(await issuesOf(withListen('::1:6432')), [`listeners.postgres.listen: ${form} (got "::1:6432")`]);
  t.strictSame(await issuesOf(`${source()}admin: { listen: 6432 }`), [`admin.listen: ${form} (got 6432)`]);
});

t.test('two listeners on one address', async (t) => {
  const both = (admin: string, postgres: string) => `${source()}admin: { listen: "${admin}" }\nlisteners: { postgres: { listen: "${postgres}" } }`;
  t.strictSame(await issuesOf(both('127.0.0.1:6432', '127.0.0.1:6432')), ['listeners.postgres.listen: 127.0.0.1:6432 is already used by admin.listen (127.0.0.1:6432); each listener needs its own address']);
  t.strictSame(await issuesOf(both('0.0.0.0:6432', '127.0.0.1:6432')), ['listeners.postgres.listen: 127.0.0.1:6432 is already used by admin.listen (0.0.0.0:6432); each listener needs its own address'], 'a wildcard host takes the port everywhere');
  await t.resolves(parseConfig(both('127.0.0.1:0', '127.0.0.1:0'), 'ephemeral.yaml'), 'port 0 never collides');
  await t.resolves(parseConfig(both('127.0.0.1:6432', '127.0.0.2:6432'), 'hosts.yaml'), 'different hosts may share a port');
  const embedded = `
sources:
  demo: { kind: postgres, embedded: { kind: pglite, port: 6432 }, users: [{ name: u, password: p }] }
listeners: { postgres: { listen: "127.0.0.1:6432" } }`;
  t.strictSame(await issuesOf(embedded), ['sources.demo.embedded.port: 127.0.0.1:6432 is already used by listeners.postgres.listen (127.0.0.1:6432); each listener needs its own address']);
});

t.test('YAML syntax errors give line and column', async (t) => {
  const issues = await issuesOf('sources:\n  bench: { kind: postgres\n');
  t.ok(issues.length > 0);
  t.match(issues[0], /^line 3, column 1: Flow map in block collection must be sufficiently indented and end with a \}/);
  t.strictSame(await issuesOf('sources: {}\nsources: {}\n'), ['line 2, column 1: Map keys must be unique']);
  t.match(await issuesOf('sources:\n\tbench: {}\n'), [/^line 2, column 1: /]);
});

t.test('an empty file or a non-mapping document', async (t) => {
  t.strictSame(await issuesOf(''), ['(top level): must be a mapping with keys admin, listeners, sources, audit, log, shutdown_timeout, secrets, brute_force, discovery (got an empty value)']);
  t.strictSame(await issuesOf('- a\n- b\n'), ['(top level): must be a mapping with keys admin, listeners, sources, audit, log, shutdown_timeout, secrets, brute_force, discovery (got a list)']);
});

t.test('a password with the wrong type is not echoed', async (t) => {
  t.strictSame(await issuesOf(source().replace('password: bench', 'password: 12345')), ['sources.bench.users[0].password: must be a string (got [redacted])']);
});

t.test('odd source names are quoted in paths', async (t) => {
  const yaml = source({ pool: '{ size: 0 }' }).replace('  bench:', '  "my.db":');
  t.strictSame(await issuesOf(yaml), ['sources["my.db"].pool.size: must be an integer ≥ 1 (got 0)']);
});

t.test('every issue of a stage is reported at once, and the message names the file', async (t) => {
  const yaml = source({ pool: '{ mode: tx, size: fifty }', host: '{ host: h, colour: red }' });
  const err = await parseConfig(yaml, 'many.yaml').catch((e: unknown) => e);
  t.type(err, ConfigError);
  const configError = err as ConfigError;
  t.equal(configError.issues.length, 3);
  t.match(configError.message, /^many\.yaml: invalid configuration\n {2}sources\.bench\.pool\.mode: /);
});
