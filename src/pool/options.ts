/**
 * What a Pool is built from. The options are the pool-policy subset of PoolConfig, so a
 * source's resolved `pool` section can be passed as is (with `size` overridden per user).
 */
import type { PoolConfig } from '../config/types.js';
import type { Connector, HostPicker, PooledConnection } from './types.js';

/**
 * Durations in milliseconds. 0 disables query_wait_timeout, server_lifetime and
 * server_idle_timeout; server_check_delay 0 checks on every lease (as in PgBouncer).
 */
export type PoolOptions = Pick<PoolConfig,
  | 'mode'
  | 'size'
  | 'min_size'
  | 'query_wait_timeout'
  | 'server_connect_timeout'
  | 'server_login_retry'
  | 'server_lifetime'
  | 'server_idle_timeout'
  | 'server_check_query'
  | 'server_check_delay'>;

/** The slice of a pino logger the pool uses; a pino Logger satisfies it. */
export interface PoolLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface PoolInit<C extends PooledConnection> {
  /** "source/user" (with a role suffix when routed), shown in errors, logs and SHOW POOLS. */
  name: string;
  options: PoolOptions;
  connector: Connector<C>;
  pickHost: HostPicker;
  log?: PoolLogger;
  /** Janitor period: the resolution of every pool timeout. Default 100 ms. */
  tickMs?: number;
}
