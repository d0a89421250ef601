/** What a Redis client session needs from its source, so the session never reaches into the source's internals. */
import type { Logger } from 'pino';
import type { AuditSink } from '../../auth/audit/index.js';
import type { LoginGuard } from '../../auth/login-guard.js';
import type { RedisSourceConfig } from '../../config/types.js';
import type { Pool } from '../../pool/pool.js';
import type { RespVersion } from '../../wire/redis/index.js';
import type { RedisServerConnection } from './server-connection.js';
import type { SharedGroup } from './shared-group.js';
import type { SubscriberHub } from './subscriber-hub.js';

export interface RedisSourceContext {
  readonly config: RedisSourceConfig;
  readonly log: Logger;
  readonly dedicated: Pool<RedisServerConnection>;
  readonly hub: SubscriberHub;
  shared(version: RespVersion, role?: 'primary' | 'replica'): SharedGroup;
  /** The backend's redis_version, for HELLO; '' until a connection learnt it. */
  serverVersion(): string;
  readonly stats: RedisSourceStats;
  /** Where AUTH outcomes are recorded (the audit trail), or NO_AUDIT. */
  readonly audit: AuditSink;
  /** Brute-force protection of AUTH, shared with the other protocols; absent: none. */
  readonly loginGuard?: LoginGuard | undefined;
}

/** Plain counters, incremented in place and read on scrape. */
export interface RedisSourceStats {
  commands: number;
  refused: number;
  dedicatedLeases: number;
  protocolErrors: number;
  outputLimitCloses: number;
}
