/** What the admin server needs from the running gateway, kept narrow so it can be faked in tests. */
import type { Logger } from 'pino';
import type { AuditLog, AuditSink } from '../auth/audit/index.js';
import type { LoginGuard } from '../auth/login-guard.js';
import type { SluiceConfig } from '../config/types.js';
import type { PgProxy } from '../proxy/postgres/pg-proxy.js';
import type { RedisProxy } from '../proxy/redis/redis-proxy.js';
import type { MysqlProxy } from '../proxy/mysql/mysql-proxy.js';
import type { DiscoveryService } from '../discovery/service.js';
import type { GatewayInventory } from './inventory.js';

/** Re-read the configuration the process started with and apply it; resolves to the changes made. */
export type ReloadHandler = () => Promise<string[]>;

export interface AdminDeps {
  readonly inventory: GatewayInventory;
  proxy(): PgProxy | null;
  /** The Redis sources, for control routes; absent in tests that fake the gateway. */
  redis?(): RedisProxy | null;
  /** The MySQL listener, for its TLS handshake pacing on /metrics; absent in tests that fake the gateway. */
  mysql?(): MysqlProxy | null;
  config(): SluiceConfig;
  /** Why a configured listener is not bound; empty when all are. */
  listenerProblems(): string[];
  /** Null when this process has no file to reload from (an embedded or test gateway). */
  reloadHandler(): ReloadHandler | null;
  readonly log: Logger;
  /** The audit trail for admin calls and refused requests, or NO_AUDIT. */
  readonly audit: AuditSink;
  /** The open audit log, for its figures on /metrics; null when not configured. */
  auditLog(): AuditLog | null;
  /** Brute-force protection figures for /metrics; absent in tests that fake the gateway. */
  readonly loginGuard?: LoginGuard;
  /** Schema discovery, when `discovery:` is configured; absent or null answers 409 on its routes. */
  discovery?(): DiscoveryService | null;
}
