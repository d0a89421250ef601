/**
 * The YAML configuration as a typebox schema: what an operator may write, with defaults and
 * the expected form of each value. Unknown keys are errors everywhere, so a typo never turns
 * into a silently ignored setting. load.ts validates against this and resolve.ts turns the
 * result into the runtime's SluiceConfig (types.ts).
 *
 * `expected` is our own schema keyword: the phrase schema-issues.ts puts after "must be".
 */
import { Type, type Static } from '@sinclair/typebox';
import { DURATION_FORM, DURATION_PATTERN } from './duration.js';
import { LISTEN_FORM, LISTEN_PATTERN } from './listen-address.js';
import { ADMIN_ROLES } from '../auth/admin-roles.js';
import { TOKEN_HASH_PATTERN } from '../auth/admin-tokens.js';
import { DiscoverySchema } from '../discovery/config.js';
import { MongoSourceSchema, S3SourceSchema, SnowflakeSourceSchema } from '../discovery/source-config.js';
import { ClientTlsSchema, ServerTlsSchema } from './tls.js';

const closed = { additionalProperties: false } as const;

function Duration(fallback: string | number) {
  return Type.Union([Type.String({ pattern: DURATION_PATTERN }), Type.Number({ minimum: 0 })], { expected: DURATION_FORM, default: fallback });
}

/** A string enum; Unsafe only narrows the static type, the runtime schema stays a union of literals. */
function OneOf<const T extends readonly string[]>(values: T, options: { default?: T[number] } = {}) {
  return Type.Unsafe<T[number]>(Type.Union(values.map((value) => Type.Literal(value)), options));
}

const portRange = { minimum: 1, maximum: 65535 } as const;
const ListenAddress = Type.String({ pattern: LISTEN_PATTERN, expected: LISTEN_FORM });

export const POOL_MODES = ['session', 'transaction', 'statement'] as const;
export const AUTH_METHODS = ['scram-sha-256', 'md5', 'trust'] as const;
/** A source may also take `any` (PgBouncer's auth_type=any): no password, user name not checked. */
export const SOURCE_AUTH_METHODS = [...AUTH_METHODS, 'any'] as const;
export const HOST_ROLES = ['primary', 'replica', 'auto'] as const;
/** `token`: bearer tokens from admin.tokens; `none`: no authentication, loopback addresses only. */
export const ADMIN_AUTH_METHODS = ['token', 'none'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/**
 * PgBouncer's defaults, except server_login_retry: PgBouncer waits 15s after a failed login
 * for the whole pool, while Sluice retries for each waiting client, so a short pause bounds
 * the retry rate without stalling every client for 15s after one blip.
 */
export const POOL_DEFAULTS = {
  mode: 'transaction',
  size: 20,
  min_size: 0,
  max_client_conn: 5000,
  query_wait_timeout: '120s',
  idle_transaction_timeout: 0,
  server_connect_timeout: '15s',
  server_login_retry: '1s',
  server_lifetime: '1h',
  server_idle_timeout: '10m',
  server_check_query: 'select 1',
  server_check_delay: '30s',
  server_reset_query: 'DISCARD ALL',
  max_prepared_statements: 200,
} as const;

export const LISTENER_DEFAULTS = {
  max_client_conn: 10000,
  client_login_timeout: '15s',
  max_packet_size: 1024 ** 3,
} as const;

export const HOST_DEFAULTS = { port: 5432, role: 'primary', zone: '', weight: 1 } as const;
export const SOURCE_DEFAULTS = { auth: 'scram-sha-256' } as const;
export const PRIMARY_READS = ['fallback', 'always', 'never'] as const;
export const ROUTING_DEFAULTS = { read_write_split: false, replica_lag_max: '10s', primary_reads: 'fallback', failover_timeout: '30s' } as const;
export const HEALTH_DEFAULTS = { probe_interval: '1s', probe_timeout: '1s' } as const;
/** PgBouncer's default auth_query; pg_shadow needs a superuser, so most set a SECURITY DEFINER function instead. */
export const AUTH_QUERY_DEFAULTS = { auth_query: 'SELECT usename, passwd FROM pg_shadow WHERE usename = $1', auth_query_ttl: '60s' } as const;
export const TOP_DEFAULTS = { log_level: 'info', shutdown_timeout: '30s', audit_max_size: 16 * 1024 * 1024, audit_max_files: 10 } as const;

const PoolSchema = Type.Object({
  mode: Type.Optional(OneOf(POOL_MODES, { default: POOL_DEFAULTS.mode })),
  size: Type.Optional(Type.Integer({ minimum: 1, default: POOL_DEFAULTS.size })),
  min_size: Type.Optional(Type.Integer({ minimum: 0, default: POOL_DEFAULTS.min_size })),
  max_client_conn: Type.Optional(Type.Integer({ minimum: 1, default: POOL_DEFAULTS.max_client_conn })),
  query_wait_timeout: Type.Optional(Duration(POOL_DEFAULTS.query_wait_timeout)),
  idle_transaction_timeout: Type.Optional(Duration(POOL_DEFAULTS.idle_transaction_timeout)),
  server_connect_timeout: Type.Optional(Duration(POOL_DEFAULTS.server_connect_timeout)),
  server_login_retry: Type.Optional(Duration(POOL_DEFAULTS.server_login_retry)),
  server_lifetime: Type.Optional(Duration(POOL_DEFAULTS.server_lifetime)),
  server_idle_timeout: Type.Optional(Duration(POOL_DEFAULTS.server_idle_timeout)),
  server_check_query: Type.Optional(Type.String({ default: POOL_DEFAULTS.server_check_query })),
  server_check_delay: Type.Optional(Duration(POOL_DEFAULTS.server_check_delay)),
  server_reset_query: Type.Optional(Type.String({ default: POOL_DEFAULTS.server_reset_query })),
  max_prepared_statements: Type.Optional(Type.Integer({ minimum: 0, default: POOL_DEFAULTS.max_prepared_statements })),
}, closed);

const HostSchema = Type.Object({
  host: Type.String({ minLength: 1 }),
  port: Type.Optional(Type.Integer({ ...portRange, default: HOST_DEFAULTS.port })),
  role: Type.Optional(OneOf(HOST_ROLES, { default: HOST_DEFAULTS.role })),
  zone: Type.Optional(Type.String({ default: HOST_DEFAULTS.zone })),
  weight: Type.Optional(Type.Number({ minimum: 0, default: HOST_DEFAULTS.weight })),
}, closed);

/** How a source's units of work are spread over its hosts (docs/routing.md). */
const RoutingSchema = Type.Object({
  read_write_split: Type.Optional(Type.Boolean({ default: ROUTING_DEFAULTS.read_write_split })),
  prefer_zones: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { default: [] })),
  replica_lag_max: Type.Optional(Duration(ROUTING_DEFAULTS.replica_lag_max)),
  primary_reads: Type.Optional(OneOf(PRIMARY_READS, { default: ROUTING_DEFAULTS.primary_reads })),
  failover_timeout: Type.Optional(Duration(ROUTING_DEFAULTS.failover_timeout)),
}, closed);

const HealthSchema = Type.Object({
  probe_interval: Type.Optional(Duration(HEALTH_DEFAULTS.probe_interval)),
  probe_timeout: Type.Optional(Duration(HEALTH_DEFAULTS.probe_timeout)),
}, closed);

const UserSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  password: Type.String(),
  auth: Type.Optional(OneOf(AUTH_METHODS)),
  server_user: Type.Optional(Type.String({ minLength: 1 })),
  server_password: Type.Optional(Type.String()),
  pool_size: Type.Optional(Type.Integer({ minimum: 1 })),
}, closed);

const EmbeddedSchema = Type.Object({
  kind: Type.Literal('pglite'),
  data_dir: Type.Optional(Type.String({ default: '' })),
  port: Type.Integer(portRange),
}, closed);

const SourceSchema = Type.Object({
  kind: Type.Literal('postgres'),
  database: Type.Optional(Type.String({ minLength: 1 })),
  auth: Type.Optional(OneOf(SOURCE_AUTH_METHODS, { default: SOURCE_DEFAULTS.auth })),
  fallback: Type.Optional(Type.Boolean({ default: false })),
  pool: Type.Optional(PoolSchema),
  hosts: Type.Optional(Type.Array(HostSchema, { minItems: 1, expected: 'a non-empty list of hosts ({ host, port, role, zone, weight })' })),
  users: Type.Array(UserSchema, { minItems: 1, expected: 'a non-empty list of users ({ name, password, ... })' }),
  auth_user: Type.Optional(Type.String({ minLength: 1 })),
  auth_query: Type.Optional(Type.String({ minLength: 1, default: AUTH_QUERY_DEFAULTS.auth_query })),
  auth_query_ttl: Type.Optional(Duration(AUTH_QUERY_DEFAULTS.auth_query_ttl)),
  embedded: Type.Optional(EmbeddedSchema),
  routing: Type.Optional(RoutingSchema),
  health: Type.Optional(HealthSchema),
  server_tls: Type.Optional(ServerTlsSchema),
}, closed);

/**
 * Redis pools: a few shared connections per host carry every client's stateless commands
 * pipelined; dedicated ones (MULTI, blocking pops, SELECT n...) are leased from a pool.
 */
export const REDIS_POOL_DEFAULTS = {
  shared_connections: 4,
  dedicated_size: 50,
  query_wait_timeout: '120s',
  server_connect_timeout: '15s',
  server_login_retry: '1s',
  server_lifetime: '1h',
  server_idle_timeout: '10m',
  server_check_delay: '30s',
  client_output_limit: 64 * 1024 * 1024,
} as const;
export const REDIS_SOURCE_DEFAULTS = { max_client_conn: 10000, allow_config_writes: false, read_from: 'primary' } as const;
/** `replica`: read-only commands go to replica hosts when there are some. */
export const REDIS_READ_FROM = ['primary', 'replica'] as const;
export const REDIS_HOST_DEFAULTS = { port: 6379, role: 'primary' } as const;

const RedisPoolSchema = Type.Object({
  shared_connections: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, default: REDIS_POOL_DEFAULTS.shared_connections })),
  dedicated_size: Type.Optional(Type.Integer({ minimum: 1, default: REDIS_POOL_DEFAULTS.dedicated_size })),
  query_wait_timeout: Type.Optional(Duration(REDIS_POOL_DEFAULTS.query_wait_timeout)),
  server_connect_timeout: Type.Optional(Duration(REDIS_POOL_DEFAULTS.server_connect_timeout)),
  server_login_retry: Type.Optional(Duration(REDIS_POOL_DEFAULTS.server_login_retry)),
  server_lifetime: Type.Optional(Duration(REDIS_POOL_DEFAULTS.server_lifetime)),
  server_idle_timeout: Type.Optional(Duration(REDIS_POOL_DEFAULTS.server_idle_timeout)),
  server_check_delay: Type.Optional(Duration(REDIS_POOL_DEFAULTS.server_check_delay)),
  client_output_limit: Type.Optional(Type.Integer({ minimum: 65536, default: REDIS_POOL_DEFAULTS.client_output_limit, expected: 'a size in bytes of at least 65536' })),
}, closed);

const RedisHostSchema = Type.Object({
  host: Type.String({ minLength: 1 }),
  port: Type.Optional(Type.Integer({ ...portRange, default: REDIS_HOST_DEFAULTS.port })),
  role: Type.Optional(OneOf(HOST_ROLES, { default: REDIS_HOST_DEFAULTS.role })),
}, closed);

const SentinelSchema = Type.Object({
  /** The master name the sentinels monitor. */
  master: Type.String({ minLength: 1 }),
  hosts: Type.Array(Type.Object({
    host: Type.String({ minLength: 1 }),
    port: Type.Optional(Type.Integer({ ...portRange, default: 26379 })),
  }, closed), { minItems: 1, expected: 'a non-empty list of sentinels ({ host, port })' }),
  password: Type.Optional(Type.String({ minLength: 1 })),
}, closed);

const RedisSourceSchema = Type.Object({
  kind: Type.Literal('redis'),
  listen: ListenAddress,
  hosts: Type.Optional(Type.Array(RedisHostSchema, { minItems: 1, expected: 'a non-empty list of hosts ({ host, port, role })' })),
  sentinel: Type.Optional(SentinelSchema),
  users: Type.Optional(Type.Array(Type.Object({
    name: Type.String({ minLength: 1 }),
    password: Type.String({ minLength: 1 }),
  }, closed), { default: [], expected: 'a list of users ({ name, password }); a user named default takes AUTH with only a password' })),
  server: Type.Optional(Type.Object({
    user: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.String({ minLength: 1 }),
  }, closed)),
  pool: Type.Optional(RedisPoolSchema),
  max_client_conn: Type.Optional(Type.Integer({ minimum: 1, default: REDIS_SOURCE_DEFAULTS.max_client_conn })),
  allow_config_writes: Type.Optional(Type.Boolean({ default: REDIS_SOURCE_DEFAULTS.allow_config_writes })),
  read_from: Type.Optional(OneOf(REDIS_READ_FROM, { default: REDIS_SOURCE_DEFAULTS.read_from })),
}, closed);

export const MYSQL_AUTH_PLUGINS = ['mysql_native_password', 'caching_sha2_password'] as const;
export const MYSQL_HOST_DEFAULTS = { port: 3306 } as const;
export const MYSQL_LISTENER_DEFAULTS = { auth: 'mysql_native_password', max_packet_size: 64 * 1024 * 1024 } as const;

const MysqlSourceSchema = Type.Object({
  kind: Type.Literal('mysql'),
  database: Type.Optional(Type.String()),
  pool: Type.Optional(PoolSchema),
  hosts: Type.Array(Type.Object({
    host: Type.String({ minLength: 1 }),
    port: Type.Optional(Type.Integer({ ...portRange, default: MYSQL_HOST_DEFAULTS.port })),
    role: Type.Optional(OneOf(HOST_ROLES, { default: HOST_DEFAULTS.role })),
    zone: Type.Optional(Type.String({ default: HOST_DEFAULTS.zone })),
    weight: Type.Optional(Type.Number({ minimum: 0, default: HOST_DEFAULTS.weight })),
  }, closed), { minItems: 1, expected: 'a non-empty list of hosts ({ host, port, role, zone, weight })' }),
  users: Type.Array(Type.Object({
    name: Type.String({ minLength: 1 }),
    password: Type.String(),
    auth: Type.Optional(OneOf(MYSQL_AUTH_PLUGINS)),
    server_user: Type.Optional(Type.String({ minLength: 1 })),
    server_password: Type.Optional(Type.String()),
    pool_size: Type.Optional(Type.Integer({ minimum: 1 })),
  }, closed), { minItems: 1, expected: 'a non-empty list of users ({ name, password, ... })' }),
  routing: Type.Optional(RoutingSchema),
  server_tls: Type.Optional(ServerTlsSchema),
}, closed);

/** Which schema a source follows is chosen by its `kind`; schema-issues.ts reports against that one. */
export const SOURCE_KINDS = ['postgres', 'redis', 'mysql', 's3', 'mongodb', 'snowflake'] as const;
const AnySourceSchema = Type.Union([SourceSchema, RedisSourceSchema, MysqlSourceSchema, S3SourceSchema, MongoSourceSchema, SnowflakeSourceSchema], { discriminator: 'kind', expected: 'a mapping of source settings with kind: postgres, redis, mysql, s3, mongodb or snowflake' });

const PostgresListenerSchema = Type.Object({
  listen: ListenAddress,
  max_client_conn: Type.Optional(Type.Integer({ minimum: 1, default: LISTENER_DEFAULTS.max_client_conn })),
  client_login_timeout: Type.Optional(Duration(LISTENER_DEFAULTS.client_login_timeout)),
  // A PostgreSQL message length is an int32, and a startup packet alone may take ~10 kB.
  max_packet_size: Type.Optional(Type.Integer({ minimum: 16384, maximum: 2 ** 31 - 1, default: LISTENER_DEFAULTS.max_packet_size })),
  client_tls: Type.Optional(ClientTlsSchema),
}, closed);

const MysqlListenerSchema = Type.Object({
  listen: ListenAddress,
  max_client_conn: Type.Optional(Type.Integer({ minimum: 1, default: LISTENER_DEFAULTS.max_client_conn })),
  client_login_timeout: Type.Optional(Duration(LISTENER_DEFAULTS.client_login_timeout)),
  max_packet_size: Type.Optional(Type.Integer({ minimum: 16384, maximum: 2 ** 30, default: MYSQL_LISTENER_DEFAULTS.max_packet_size })),
  auth: Type.Optional(OneOf(MYSQL_AUTH_PLUGINS, { default: MYSQL_LISTENER_DEFAULTS.auth })),
  client_tls: Type.Optional(ClientTlsSchema),
}, closed);

/** How Sluice reaches the secret backends behind `${vault:...}`, `${aws-sm:...}` and `${azure-kv:...}`. */
export const SECRETS_DEFAULTS = { refresh: '5m', timeout: '10s', database_mount: 'database', approle_mount: 'approle', kubernetes_mount: 'kubernetes', kubernetes_jwt_file: '/var/run/secrets/kubernetes.io/serviceaccount/token', azure_authority: 'https://login.microsoftonline.com' } as const;

const VaultAuthSchema = Type.Union([
  Type.Object({ method: Type.Literal('token'), token: Type.String({ minLength: 1 }) }, closed),
  Type.Object({ method: Type.Literal('approle'), role_id: Type.String({ minLength: 1 }), secret_id: Type.String({ minLength: 1 }), mount: Type.Optional(Type.String({ minLength: 1 })) }, closed),
  Type.Object({ method: Type.Literal('kubernetes'), role: Type.String({ minLength: 1 }), jwt_file: Type.Optional(Type.String({ minLength: 1 })), mount: Type.Optional(Type.String({ minLength: 1 })) }, closed),
], { discriminator: 'method', expected: 'a mapping with method: token, approle or kubernetes' });

export const SecretsSchema = Type.Object({
  /** Values without a lease (KV, AWS, Azure, the local store, files) are read again this often. */
  refresh: Type.Optional(Duration(SECRETS_DEFAULTS.refresh)),
  timeout: Type.Optional(Duration(SECRETS_DEFAULTS.timeout)),
  vault: Type.Optional(Type.Object({
    address: Type.String({ pattern: '^https?://', expected: 'a URL such as https://vault.example:8200' }),
    namespace: Type.Optional(Type.String({ minLength: 1 })),
    auth: VaultAuthSchema,
    database_mount: Type.Optional(Type.String({ minLength: 1 })),
  }, closed)),
  aws: Type.Optional(Type.Object({
    region: Type.String({ minLength: 1 }),
    /** Another Secrets Manager endpoint (a VPC endpoint, or a test double). */
    endpoint: Type.Optional(Type.String({ pattern: '^https?://', expected: 'a URL' })),
  }, closed)),
  azure: Type.Optional(Type.Object({
    tenant_id: Type.String({ minLength: 1 }),
    client_id: Type.String({ minLength: 1 }),
    client_secret: Type.String({ minLength: 1 }),
    authority_host: Type.Optional(Type.String({ pattern: '^https?://', expected: 'a URL' })),
    /** Where vault VAULT lives, with {vault} in it; default https://{vault}.vault.azure.net. */
    vault_url: Type.Optional(Type.String({ pattern: '\\{vault\\}', expected: 'a URL containing {vault}' })),
  }, closed)),
}, closed);

/** Failed client logins: delays, then a lockout; see auth/login-guard.ts. */
export const BRUTE_FORCE_DEFAULTS = {
  enabled: true, window: '1m', user_delay_after: 3, user_lockout_after: 10, address_delay_after: 10, address_lockout_after: 30,
  delay: '250ms', max_delay: '5s', lockout: '5m',
} as const;

const BruteForceSchema = Type.Object({
  enabled: Type.Optional(Type.Boolean({ default: BRUTE_FORCE_DEFAULTS.enabled })),
  window: Type.Optional(Duration(BRUTE_FORCE_DEFAULTS.window)),
  user_delay_after: Type.Optional(Type.Integer({ minimum: 0, default: BRUTE_FORCE_DEFAULTS.user_delay_after })),
  user_lockout_after: Type.Optional(Type.Integer({ minimum: 1, default: BRUTE_FORCE_DEFAULTS.user_lockout_after })),
  address_delay_after: Type.Optional(Type.Integer({ minimum: 0, default: BRUTE_FORCE_DEFAULTS.address_delay_after })),
  address_lockout_after: Type.Optional(Type.Integer({ minimum: 1, default: BRUTE_FORCE_DEFAULTS.address_lockout_after })),
  delay: Type.Optional(Duration(BRUTE_FORCE_DEFAULTS.delay)),
  max_delay: Type.Optional(Duration(BRUTE_FORCE_DEFAULTS.max_delay)),
  lockout: Type.Optional(Duration(BRUTE_FORCE_DEFAULTS.lockout)),
}, closed);

export const ConfigSchema = Type.Object({
  admin: Type.Optional(Type.Object({
    listen: ListenAddress,
    auth: Type.Optional(OneOf(ADMIN_AUTH_METHODS, { default: 'token' })),
    tokens: Type.Optional(Type.Array(Type.Object({
      name: Type.String({ minLength: 1 }),
      role: OneOf(ADMIN_ROLES),
      hash: Type.String({ pattern: TOKEN_HASH_PATTERN, expected: 'sha256: followed by 64 hex digits, as printed by `sluice token create`' }),
    }, closed), { default: [] })),
    admin_users: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { default: [] })),
    stats_users: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { default: [] })),
  }, closed)),
  listeners: Type.Optional(Type.Object({ postgres: Type.Optional(PostgresListenerSchema), mysql: Type.Optional(MysqlListenerSchema) }, closed)),
  sources: Type.Record(Type.String(), AnySourceSchema, { minProperties: 1, expected: 'a mapping from source name to source settings, with at least one source' }),
  audit: Type.Optional(Type.Object({
    path: Type.String({ minLength: 1 }),
    max_size: Type.Optional(Type.Integer({ minimum: 4096, default: TOP_DEFAULTS.audit_max_size, expected: 'a size in bytes of at least 4096' })),
    max_files: Type.Optional(Type.Integer({ minimum: 0, default: TOP_DEFAULTS.audit_max_files })),
  }, closed)),
  log: Type.Optional(Type.Object({ level: Type.Optional(OneOf(LOG_LEVELS, { default: TOP_DEFAULTS.log_level })) }, closed)),
  shutdown_timeout: Type.Optional(Duration(TOP_DEFAULTS.shutdown_timeout)),
  secrets: Type.Optional(SecretsSchema),
  brute_force: Type.Optional(BruteForceSchema),
  discovery: Type.Optional(DiscoverySchema),
}, closed);

export type RawConfig = Static<typeof ConfigSchema>;
export type RawSource = Static<typeof SourceSchema>;
export type RawRedisSource = Static<typeof RedisSourceSchema>;
export type RawPool = Static<typeof PoolSchema>;
export type RawHost = Static<typeof HostSchema>;
export type RawRouting = Static<typeof RoutingSchema>;
export type RawHealth = Static<typeof HealthSchema>;
export type RawListener = Static<typeof PostgresListenerSchema>;
export type RawSecrets = Static<typeof SecretsSchema>;
export type RawBruteForce = Static<typeof BruteForceSchema>;
export type RawMysqlSource = Static<typeof MysqlSourceSchema>;
export type RawMysqlListener = Static<typeof MysqlListenerSchema>;
