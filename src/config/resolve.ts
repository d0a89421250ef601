/**
 * Validated YAML → the runtime's SluiceConfig: defaults filled, durations in milliseconds,
 * listen addresses parsed, and the checks a schema cannot express (cross-field rules).
 */
import { resolveClientTls, resolveServerTls } from './tls.js';
import { ConfigError } from '../errors.js';
import type { AdminConfig, HostConfig, ListenAddress, MysqlListenerConfig, MysqlSourceConfig, PoolConfig, PostgresListenerConfig, RedisSourceConfig, RoutingConfig, SluiceConfig, SourceConfig } from './types.js';
import type { RawConfig, RawListener, RawMysqlListener, RawMysqlSource, RawPool, RawRedisSource, RawSource } from './schema.js';
import { MYSQL_HOST_DEFAULTS, MYSQL_LISTENER_DEFAULTS } from './schema.js';
import { HEALTH_DEFAULTS, HOST_DEFAULTS, LISTENER_DEFAULTS, POOL_DEFAULTS, REDIS_HOST_DEFAULTS, REDIS_POOL_DEFAULTS, REDIS_SOURCE_DEFAULTS, ROUTING_DEFAULTS, SOURCE_DEFAULTS, TOP_DEFAULTS } from './schema.js';
import { AUTH_QUERY_DEFAULTS } from './schema.js';
import { parseDuration } from './duration.js';
import { formatListenAddress, parseListenAddress } from './listen-address.js';
import { formatPath, type KeyPath } from './issue-text.js';
import { resolveBruteForce } from './brute-force.js';
import { resolveDiscovery } from '../discovery/config.js';
import { resolveMongoSource, resolveS3Source, resolveSnowflakeSource } from '../discovery/source-config.js';

export interface Resolution {
  /** Complete only when `issues` is empty. */
  readonly config: SluiceConfig;
  readonly issues: readonly string[];
}

export function resolveConfig(raw: RawConfig): Resolution {
  const issues: string[] = [];

  /** Run one conversion; a ConfigError becomes issues and `fallback` keeps resolution going. */
  function attempt<T>(convert: () => T, fallback: T): T {
    try {
      return convert();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.issues);
      return fallback;
    }
  }
  const ms = (value: string | number, path: KeyPath) => attempt(() => parseDuration(value, formatPath(path)), 0);
  const address = (text: string, path: KeyPath) => attempt<ListenAddress | undefined>(() => parseListenAddress(text, formatPath(path)), undefined);

  function pool(rawPool: RawPool | undefined, path: KeyPath): PoolConfig {
    const p = { ...POOL_DEFAULTS, ...rawPool };
    if (p.min_size > p.size) issues.push(`${formatPath([...path, 'min_size'])}: must be ≤ pool.size (${p.size}) (got ${p.min_size})`);
    return {
      mode: p.mode,
      size: p.size,
      min_size: p.min_size,
      max_client_conn: p.max_client_conn,
      query_wait_timeout: ms(p.query_wait_timeout, [...path, 'query_wait_timeout']),
      idle_transaction_timeout: ms(p.idle_transaction_timeout, [...path, 'idle_transaction_timeout']),
      server_connect_timeout: ms(p.server_connect_timeout, [...path, 'server_connect_timeout']),
      server_login_retry: ms(p.server_login_retry, [...path, 'server_login_retry']),
      server_lifetime: ms(p.server_lifetime, [...path, 'server_lifetime']),
      server_idle_timeout: ms(p.server_idle_timeout, [...path, 'server_idle_timeout']),
      server_check_query: p.server_check_query,
      server_check_delay: ms(p.server_check_delay, [...path, 'server_check_delay']),
      server_reset_query: p.server_reset_query,
      max_prepared_statements: p.max_prepared_statements,
    };
  }

  function source(name: string, s: RawSource): SourceConfig {
    const path = ['sources', name];
    const embedded = s.embedded && { kind: s.embedded.kind, data_dir: s.embedded.data_dir ?? '', port: s.embedded.port };
    let hosts: HostConfig[] = (s.hosts ?? []).map((h) => ({
      host: h.host,
      port: h.port ?? HOST_DEFAULTS.port,
      role: h.role ?? HOST_DEFAULTS.role,
      zone: h.zone ?? HOST_DEFAULTS.zone,
      weight: h.weight ?? HOST_DEFAULTS.weight,
    }));
    if (!s.hosts && embedded) hosts = [{ host: '127.0.0.1', port: embedded.port, role: 'primary', zone: '', weight: 1 }];
    if (!s.hosts && !embedded) issues.push(`${formatPath([...path, 'hosts'])}: required key is missing; a postgres source needs hosts, or embedded to start its own database`);
    for (const key of ['probe_interval', 'probe_timeout'] as const) {
      if (s.health?.[key] === 0) issues.push(`${formatPath([...path, 'health', key])}: must be more than 0`);
    }
    const firstIndex = new Map<string, number>();
    s.users.forEach((user, index) => {
      const first = firstIndex.get(user.name);
      if (first === undefined) firstIndex.set(user.name, index);
      else issues.push(`${formatPath([...path, 'users', index, 'name'])}: duplicate user ${JSON.stringify(user.name)}; user names must be unique per source (first at users[${first}])`);
    });
    if (s.auth_user !== undefined && !s.users.some((u) => u.name === s.auth_user)) {
      issues.push(`${formatPath([...path, 'auth_user'])}: ${JSON.stringify(s.auth_user)} is not one of this source's users; auth_query runs as a listed user, with the password given there`);
    }
    if (s.auth_user === undefined && (s.auth_query !== undefined || s.auth_query_ttl !== undefined)) {
      issues.push(`${formatPath([...path, 'auth_query'])}: needs auth_user, the user that runs the lookup`);
    }
    return {
      kind: s.kind,
      name,
      database: s.database ?? name,
      auth: s.auth ?? SOURCE_DEFAULTS.auth,
      fallback: s.fallback ?? false,
      pool: pool(s.pool, [...path, 'pool']),
      hosts,
      users: s.users.map((user) => ({ ...user })),
      ...(s.auth_user !== undefined && {
        auth_user: s.auth_user,
        auth_query: s.auth_query ?? AUTH_QUERY_DEFAULTS.auth_query,
        auth_query_ttl: ms(s.auth_query_ttl ?? AUTH_QUERY_DEFAULTS.auth_query_ttl, [...path, 'auth_query_ttl']),
      }),
      server_tls: resolveServerTls(s.server_tls, (key, problem) => issues.push(`${formatPath([...path, 'server_tls', key])}: ${problem}`)),
      ...(embedded && { embedded }),
      ...(s.routing && { routing: routing(s.routing, [...path, 'routing']) }),
      ...(s.health && {
        health: {
          probe_interval: ms(s.health.probe_interval ?? HEALTH_DEFAULTS.probe_interval, [...path, 'health', 'probe_interval']),
          probe_timeout: ms(s.health.probe_timeout ?? HEALTH_DEFAULTS.probe_timeout, [...path, 'health', 'probe_timeout']),
        },
      }),
    };
  }

  function redisSource(name: string, s: RawRedisSource): RedisSourceConfig {
    const path = ['sources', name];
    const p = { ...REDIS_POOL_DEFAULTS, ...s.pool };
    const pp = [...path, 'pool'];
    if (!s.hosts && !s.sentinel) issues.push(`${formatPath([...path, 'hosts'])}: required key is missing; a redis source needs hosts, or sentinel to find its primary`);
    const seen = new Map<string, number>();
    (s.users ?? []).forEach((user, index) => {
      const first = seen.get(user.name);
      if (first === undefined) seen.set(user.name, index);
      else issues.push(`${formatPath([...path, 'users', index, 'name'])}: duplicate user ${JSON.stringify(user.name)}; user names must be unique per source (first at users[${first}])`);
    });
    return {
      kind: 'redis',
      name,
      listen: address(s.listen, [...path, 'listen']) ?? { host: '', port: 0 },
      hosts: (s.hosts ?? []).map((h) => ({ host: h.host, port: h.port ?? REDIS_HOST_DEFAULTS.port, role: h.role ?? REDIS_HOST_DEFAULTS.role })),
      ...(s.sentinel && {
        sentinel: {
          master: s.sentinel.master,
          hosts: s.sentinel.hosts.map((h) => ({ host: h.host, port: h.port ?? 26379 })),
          ...(s.sentinel.password !== undefined && { password: s.sentinel.password }),
        },
      }),
      users: (s.users ?? []).map((u) => ({ name: u.name, password: u.password })),
      ...(s.server && { server: { ...(s.server.user !== undefined && { user: s.server.user }), password: s.server.password } }),
      pool: {
        shared_connections: p.shared_connections,
        dedicated_size: p.dedicated_size,
        query_wait_timeout: ms(p.query_wait_timeout, [...pp, 'query_wait_timeout']),
        server_connect_timeout: ms(p.server_connect_timeout, [...pp, 'server_connect_timeout']),
        server_login_retry: ms(p.server_login_retry, [...pp, 'server_login_retry']),
        server_lifetime: ms(p.server_lifetime, [...pp, 'server_lifetime']),
        server_idle_timeout: ms(p.server_idle_timeout, [...pp, 'server_idle_timeout']),
        server_check_delay: ms(p.server_check_delay, [...pp, 'server_check_delay']),
        client_output_limit: p.client_output_limit,
      },
      max_client_conn: s.max_client_conn ?? REDIS_SOURCE_DEFAULTS.max_client_conn,
      allow_config_writes: s.allow_config_writes ?? REDIS_SOURCE_DEFAULTS.allow_config_writes,
      read_from: s.read_from ?? REDIS_SOURCE_DEFAULTS.read_from,
    };
  }

  function listener(l: RawListener, path: KeyPath): PostgresListenerConfig | undefined {
    const listen = address(l.listen, [...path, 'listen']);
    return listen && {
      listen,
      max_client_conn: l.max_client_conn ?? LISTENER_DEFAULTS.max_client_conn,
      client_login_timeout: ms(l.client_login_timeout ?? LISTENER_DEFAULTS.client_login_timeout, [...path, 'client_login_timeout']),
      max_packet_size: l.max_packet_size ?? LISTENER_DEFAULTS.max_packet_size,
      client_tls: resolveClientTls(l.client_tls, (key, problem) => issues.push(`${formatPath([...path, 'client_tls', key])}: ${problem}`)),
    };
  }

  function routing(r: NonNullable<RawSource['routing']>, path: KeyPath): RoutingConfig {
    return {
      read_write_split: r.read_write_split ?? ROUTING_DEFAULTS.read_write_split,
      prefer_zones: [...(r.prefer_zones ?? [])],
      replica_lag_max: ms(r.replica_lag_max ?? ROUTING_DEFAULTS.replica_lag_max, [...path, 'replica_lag_max']),
      primary_reads: r.primary_reads ?? ROUTING_DEFAULTS.primary_reads,
      failover_timeout: ms(r.failover_timeout ?? ROUTING_DEFAULTS.failover_timeout, [...path, 'failover_timeout']),
    };
  }

  function mysqlSource(name: string, s: RawMysqlSource): MysqlSourceConfig {
    const path = ['sources', name];
    const seen = new Map<string, number>();
    s.users.forEach((user, index) => {
      const first = seen.get(user.name);
      if (first === undefined) seen.set(user.name, index);
      else issues.push(`${formatPath([...path, 'users', index, 'name'])}: duplicate user ${JSON.stringify(user.name)}; user names must be unique per source (first at users[${first}])`);
    });
    return {
      kind: 'mysql',
      name,
      database: s.database ?? name,
      pool: pool(s.pool, [...path, 'pool']),
      hosts: s.hosts.map((h) => ({
        host: h.host,
        port: h.port ?? MYSQL_HOST_DEFAULTS.port,
        role: h.role ?? HOST_DEFAULTS.role,
        zone: h.zone ?? HOST_DEFAULTS.zone,
        weight: h.weight ?? HOST_DEFAULTS.weight,
      })),
      users: s.users.map((user) => ({ ...user })),
      ...(s.routing && { routing: routing(s.routing, [...path, 'routing']) }),
      server_tls: resolveServerTls(s.server_tls, (key, problem) => issues.push(`${formatPath([...path, 'server_tls', key])}: ${problem}`)),
    };
  }

  function mysqlListener(l: RawMysqlListener, path: KeyPath): MysqlListenerConfig | undefined {
    const listen = address(l.listen, [...path, 'listen']);
    return listen && {
      listen,
      max_client_conn: l.max_client_conn ?? LISTENER_DEFAULTS.max_client_conn,
      client_login_timeout: ms(l.client_login_timeout ?? LISTENER_DEFAULTS.client_login_timeout, [...path, 'client_login_timeout']),
      max_packet_size: l.max_packet_size ?? MYSQL_LISTENER_DEFAULTS.max_packet_size,
      auth: l.auth ?? MYSQL_LISTENER_DEFAULTS.auth,
      client_tls: resolveClientTls(l.client_tls, (key, problem) => issues.push(`${formatPath([...path, 'client_tls', key])}: ${problem}`)),
    };
  }

  const adminListen = raw.admin && address(raw.admin.listen, ['admin', 'listen']);
  const postgres = raw.listeners?.postgres && listener(raw.listeners.postgres, ['listeners', 'postgres']);
  const sources: Record<string, SourceConfig> = {};
  for (const [name, s] of Object.entries(raw.sources)) {
    sources[name] = s.kind === 'redis' ? redisSource(name, s) : s.kind === 'mysql' ? mysqlSource(name, s)
      : s.kind === 's3' ? resolveS3Source(name, s) : s.kind === 'mongodb' ? resolveMongoSource(name, s)
      : s.kind === 'snowflake' ? resolveSnowflakeSource(name, s, issues) : source(name, s);
  }
  const mysql = raw.listeners?.mysql && mysqlListener(raw.listeners.mysql, ['listeners', 'mysql']);
  const fallbacks = Object.values(sources).filter((s) => s.kind === 'postgres' && s.fallback).map((s) => s.name);
  if (fallbacks.length > 1) issues.push(`sources: ${fallbacks.map((n) => `sources.${n}.fallback`).join(', ')} are all true; at most one source may serve unknown database names`);
  const config: SluiceConfig = {
    ...(adminListen && raw.admin && { admin: adminConfig(raw.admin, adminListen, issues) }),
    listeners: { ...(postgres && { postgres }), ...(mysql && { mysql }) },
    sources,
    ...(raw.audit && { audit: { path: raw.audit.path, max_size: raw.audit.max_size ?? TOP_DEFAULTS.audit_max_size, max_files: raw.audit.max_files ?? TOP_DEFAULTS.audit_max_files } }),
    log: { level: raw.log?.level ?? TOP_DEFAULTS.log_level },
    brute_force: resolveBruteForce(raw.brute_force, ms),
    shutdown_timeout: ms(raw.shutdown_timeout ?? TOP_DEFAULTS.shutdown_timeout, ['shutdown_timeout']),
    ...(raw.discovery && { discovery: resolveDiscovery(raw.discovery, Object.keys(sources), issues) }),
  };
  issues.push(...listenConflicts(config));
  return { config, issues };
}

const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|::1|localhost)$/i;

/**
 * The admin port can pause pools and kill clients, so it needs bearer tokens; `auth: none`
 * is allowed only where no other host can reach it. Duplicate token names or hashes would
 * make the audit trail ambiguous about who acted.
 */
function adminConfig(raw: NonNullable<RawConfig['admin']>, listen: ListenAddress, issues: string[]): AdminConfig {
  const auth = raw.auth ?? 'token';
  if (auth === 'none' && !LOOPBACK.test(listen.host)) {
    issues.push(`admin.auth: "none" is only allowed on a loopback address (got ${formatListenAddress(listen)}); use auth: token and create tokens with \`sluice token create --role viewer|operator|admin\`, or listen on 127.0.0.1`);
  }
  const tokens = (raw.tokens ?? []).map((t) => ({ name: t.name, role: t.role, hash: t.hash }));
  const seenNames = new Set<string>();
  const seenHashes = new Set<string>();
  tokens.forEach((t, i) => {
    if (seenNames.has(t.name)) issues.push(`admin.tokens[${i}].name: "${t.name}" is used by an earlier token; give each token its own name so the audit trail says who acted`);
    if (seenHashes.has(t.hash)) issues.push(`admin.tokens[${i}].hash: the same token is listed twice; create a new one with \`sluice token create\``);
    seenNames.add(t.name);
    seenHashes.add(t.hash);
  });
  return { listen, auth, tokens, admin_users: [...raw.admin_users ?? []], stats_users: [...raw.stats_users ?? []] };
}

/** Every address Sluice binds, by key path, so two of them cannot collide at start. */
function boundAddresses(config: SluiceConfig): [string, ListenAddress][] {
  const bound: [string, ListenAddress][] = [];
  if (config.admin) bound.push(['admin.listen', config.admin.listen]);
  if (config.listeners.postgres) bound.push(['listeners.postgres.listen', config.listeners.postgres.listen]);
  if (config.listeners.mysql) bound.push(['listeners.mysql.listen', config.listeners.mysql.listen]);
  for (const [name, s] of Object.entries(config.sources)) {
    if (s.kind === 'redis') bound.push([formatPath(['sources', name, 'listen']), s.listen]);
    else if (s.kind === 'postgres' && s.embedded) bound.push([`${formatPath(['sources', name, 'embedded', 'port'])}`, { host: '127.0.0.1', port: s.embedded.port }]);
  }
  return bound;
}

const WILDCARD_HOSTS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '']);

function listenConflicts(config: SluiceConfig): string[] {
  const issues: string[] = [];
  const bound = boundAddresses(config);
  bound.forEach(([path, a], index) => {
    // Port 0 asks the OS for a free port, which never collides; a wildcard host takes the port on every address.
    const clash = bound.slice(0, index).find(([, b]) => a.port !== 0 && a.port === b.port
      && (a.host === b.host || WILDCARD_HOSTS.has(a.host) || WILDCARD_HOSTS.has(b.host)));
    if (clash) issues.push(`${path}: ${formatListenAddress(a)} is already used by ${clash[0]} (${formatListenAddress(clash[1])}); each listener needs its own address`);
  });
  return issues;
}
