/**
 * The resolved configuration the runtime reads: durations in milliseconds, defaults filled,
 * `${env:NAME}` references substituted. The YAML schema (schema.ts) and loader (load.ts)
 * produce exactly this shape; the runtime never sees raw YAML.
 */

export type SourceKind = 'postgres' | 'redis' | 'mysql' | 's3' | 'mongodb' | 'snowflake';
export type PoolMode = 'session' | 'transaction' | 'statement';
export type ClientAuthMethod = 'scram-sha-256' | 'md5' | 'trust';
/** `any` (PgBouncer's auth_type=any): clients are not authenticated and any user name shares the first user's pool. */
export type SourceAuthMethod = ClientAuthMethod | 'any';
export type HostRole = 'primary' | 'replica' | 'auto';

import type { ClientTlsConfig, ServerTlsConfig } from './tls.js';
import type { AdminTokenConfig } from '../auth/admin-tokens.js';
import type { DiscoveryConfig } from '../discovery/config.js';
import type { DiscoveryOnlySourceConfig } from '../discovery/source-config.js';

export interface ListenAddress { host: string; port: number }

export interface AdminConfig {
  listen: ListenAddress;
  /** `token` (the default): every request but the probes needs a bearer token; `none`: loopback only. */
  auth: 'token' | 'none';
  /** Bearer tokens, stored as hashes; `sluice token create` prints the line to add. */
  tokens: AdminTokenConfig[];
  /** Users (from the sources' users) allowed every command of the PgBouncer-compatible console. */
  admin_users: string[];
  /** Users allowed the console's SHOW commands only. */
  stats_users: string[];
}

export interface PostgresListenerConfig {
  listen: ListenAddress;
  /** Total client connections accepted by this listener across sources (PgBouncer max_client_conn). */
  max_client_conn: number;
  /** A client must finish startup and authentication within this time (client_login_timeout). */
  client_login_timeout: number;
  /** Largest message a client may send, in bytes (max_packet_size); larger gets 08P01 and a close. */
  max_packet_size: number;
  /** SSLRequest and direct TLS from clients (config/tls.ts). */
  client_tls: ClientTlsConfig;
}

/** The MySQL/MariaDB listener: one port for every `kind: mysql` source (the handshake's database picks one). */
export interface MysqlListenerConfig {
  listen: ListenAddress;
  max_client_conn: number;
  /** A client must finish the handshake and authentication within this time. */
  client_login_timeout: number;
  /** Largest payload a client may send (max_allowed_packet); larger gets ERR 1153 and a close. */
  max_packet_size: number;
  /** The plugin Sluice's greeting offers; a user's own `auth` wins through an auth switch. */
  auth: MysqlAuthPlugin;
  /** CLIENT_SSL in the greeting, and the SSLRequest upgrade (config/tls.ts). */
  client_tls: ClientTlsConfig;
}

export type MysqlAuthPlugin = 'mysql_native_password' | 'caching_sha2_password';

export interface ListenersConfig { postgres?: PostgresListenerConfig; mysql?: MysqlListenerConfig }

export interface PoolConfig {
  mode: PoolMode;
  /** Server connections per (source, user) pool (PgBouncer default_pool_size). */
  size: number;
  /** Server connections kept open even when idle (min_pool_size). */
  min_size: number;
  /** Client connections allowed to this source. */
  max_client_conn: number;
  query_wait_timeout: number;
  /** Close a client that stays idle inside a transaction this long; 0 disables. */
  idle_transaction_timeout: number;
  server_connect_timeout: number;
  /** Wait this long before retrying a failed server login. */
  server_login_retry: number;
  server_lifetime: number;
  server_idle_timeout: number;
  /** Run before handing out a connection that sat idle longer than server_check_delay; '' disables. */
  server_check_query: string;
  server_check_delay: number;
  /** Run when a session-mode client releases its server; '' disables. */
  server_reset_query: string;
  /** Protocol-level named prepared statements kept per server connection (LRU); 0 disables tracking. */
  max_prepared_statements: number;
}

export interface HostConfig {
  host: string;
  port: number;
  role: HostRole;
  zone: string;
  weight: number;
}

/** Reads on the primary: only when no replica may serve, alongside replicas, or never. */
export type PrimaryReads = 'fallback' | 'always' | 'never';

/** A source's `routing:` block (docs/routing.md); durations in milliseconds. */
export interface RoutingConfig {
  /** Send transactions that begin read-only to replicas; off sends everything to the primary. */
  read_write_split: boolean;
  /** Zone tiers in order of preference; entries ending in ':' or '*' match by prefix. */
  prefer_zones: string[];
  /** Replicas whose replay lag exceeds this take no reads; 0 disables the limit. */
  replica_lag_max: number;
  primary_reads: PrimaryReads;
  /** How long a write waits for a primary during failover before failing. */
  failover_timeout: number;
}

/** A source's `health:` block: the active probes of its hosts; milliseconds. */
export interface HealthConfig {
  probe_interval: number;
  probe_timeout: number;
}

export interface UserConfig {
  name: string;
  /** Checked from clients and, unless server_password is set, used towards the server. */
  password: string;
  /** Overrides the source's client auth method for this user. */
  auth?: ClientAuthMethod;
  server_user?: string;
  server_password?: string;
  /** Overrides pool.size for this user's pool. */
  pool_size?: number;
}

/** A PostgreSQL started by Sluice itself as a child process (the no-database quick start). */
export interface EmbeddedConfig {
  kind: 'pglite';
  /** Directory for the database files; '' keeps everything in memory. */
  data_dir: string;
  port: number;
}

export interface PostgresSourceConfig {
  kind: 'postgres';
  name: string;
  /** Backend database name; defaults to the source name. */
  database: string;
  auth: SourceAuthMethod;
  /** Serve clients that name a database no source has (PgBouncer's `*` database). At most one source. */
  fallback: boolean;
  pool: PoolConfig;
  hosts: HostConfig[];
  users: UserConfig[];
  /**
   * PgBouncer's auth_user: clients naming a user not in `users` are looked up with auth_query,
   * run as this user (one of `users`). The three keys are present together or not at all.
   */
  auth_user?: string;
  /** The lookup; `$1` is the user name, the second column its verifier. */
  auth_query?: string;
  /** How long a lookup's answer is kept, in ms; a missing user's for a tenth of it. */
  auth_query_ttl?: number;
  embedded?: EmbeddedConfig;
  /** Present when written in the YAML (defaults filled); absent means the defaults. */
  routing?: RoutingConfig;
  health?: HealthConfig;
  /** TLS towards this source's hosts (config/tls.ts). */
  server_tls: ServerTlsConfig;
}

/** Sizes and timeouts of one Redis source's backend connections; durations in milliseconds. */
export interface RedisPoolConfig {
  /** Pipelined connections per host and RESP version, shared by every client's stateless commands. */
  shared_connections: number;
  /** Most connections leased to single clients at once (MULTI, blocking pops, SELECT n, ...). */
  dedicated_size: number;
  /** How long a client may wait for a dedicated connection before it gets an error. */
  query_wait_timeout: number;
  server_connect_timeout: number;
  server_login_retry: number;
  server_lifetime: number;
  server_idle_timeout: number;
  /** A dedicated connection idle this long is PINGed before it is leased again. */
  server_check_delay: number;
  /** Bytes of replies queued for a client that does not read; past it the client is disconnected. */
  client_output_limit: number;
}

export interface RedisHostConfig {
  host: string;
  port: number;
  role: HostRole;
}

/** A user clients AUTH as; `default` is the one AUTH with only a password names. */
export interface RedisUserConfig {
  name: string;
  password: string;
}

/** Sluice's own credentials towards the backend (AUTH [user] password); absent: no AUTH. */
export interface RedisServerCredentials {
  user?: string;
  password: string;
}

/** Redis Sentinel: the primary's address is asked of the sentinels and followed on +switch-master. */
export interface RedisSentinelConfig {
  master: string;
  hosts: { host: string; port: number }[];
  password?: string;
}

export interface RedisSourceConfig {
  kind: 'redis';
  name: string;
  /** Each Redis source has its own listener: RESP has no database name to route by. */
  listen: ListenAddress;
  /** With `sentinel`, the primary comes from the sentinels and these are replicas (or empty). */
  hosts: RedisHostConfig[];
  sentinel?: RedisSentinelConfig;
  /** Empty: clients need no AUTH, as a Redis without requirepass. */
  users: RedisUserConfig[];
  server?: RedisServerCredentials;
  pool: RedisPoolConfig;
  max_client_conn: number;
  /** Forward CONFIG SET, REWRITE and RESETSTAT (refused by default: they change the server for all). */
  allow_config_writes: boolean;
  /**
   * `replica`: read-only commands (GET, LRANGE...) are served by replica hosts, so they may
   * lag behind the primary; `primary` (the default): every command goes to the primary.
   */
  read_from: 'primary' | 'replica';
}

export interface MysqlUserConfig {
  name: string;
  /** Checked from clients and, unless server_password is set, used towards the server. */
  password: string;
  /** The plugin this user authenticates with; the listener's `auth` when absent. */
  auth?: MysqlAuthPlugin;
  server_user?: string;
  server_password?: string;
  pool_size?: number;
}

/** A MySQL or MariaDB cluster; clients reach it through listeners.mysql. */
export interface MysqlSourceConfig {
  kind: 'mysql';
  name: string;
  /** The schema clients start in when they name this source rather than a schema; defaults to the source name, '' for none. */
  database: string;
  pool: PoolConfig;
  hosts: HostConfig[];
  users: MysqlUserConfig[];
  /** Read/write split and failover over the hosts (docs/mysql.md); absent: every unit of work to the primary. */
  routing?: RoutingConfig;
  /** TLS towards the hosts, as MySQL clients' --ssl-mode (docs/tls.md). */
  server_tls: ServerTlsConfig;
}

/** s3, mongodb and snowflake are read by discovery only: no listener or pool is started for them. */
export type SourceConfig = PostgresSourceConfig | RedisSourceConfig | MysqlSourceConfig | DiscoveryOnlySourceConfig;

/** The hash-chained audit trail (logins, admin calls); absent: not written. */
export interface AuditConfig {
  /** The live file; rotated ones are path.1 (newest) … path.N. Relative to the working directory. */
  path: string;
  /** Rotate before the live file would exceed this many bytes. */
  max_size: number;
  /** Rotated files kept besides the live one. */
  max_files: number;
}

/**
 * Brute-force protection of client logins (PostgreSQL and Redis AUTH); durations in ms.
 * Failures are counted per (source, user) and per client address within `window`.
 */
export interface BruteForceConfig {
  enabled: boolean;
  window: number;
  /** Failures of one user after which each further failure is answered `delay` later, doubling. */
  user_delay_after: number;
  /** Failures of one user after which its logins are refused for `lockout`. */
  user_lockout_after: number;
  address_delay_after: number;
  address_lockout_after: number;
  delay: number;
  max_delay: number;
  lockout: number;
}

export interface LogConfig { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' }

export interface SluiceConfig {
  admin?: AdminConfig;
  listeners: ListenersConfig;
  sources: Record<string, SourceConfig>;
  audit?: AuditConfig;
  /** Absent (a config built in code): the defaults of auth/login-guard.ts. */
  brute_force?: BruteForceConfig;
  log: LogConfig;
  /** On SIGTERM, how long transactions in flight may take before connections are cut. */
  shutdown_timeout: number;
  /** Schema discovery of the sources (docs/discovery.md); absent: off. */
  discovery?: DiscoveryConfig;
}
