/** What every PostgreSQL client session shares: sources, cancel keys, statement names, limits. */
import type { Logger } from 'pino';
import type { PostgresListenerConfig } from '../../config/types.js';
import type { CancelKeys } from './cancel-keys.js';
import type { PgSource } from './pg-source.js';
import type { StatementRegistry } from './prepared-statements.js';

export interface SessionHandle {
  /** Close the session with a FATAL error of this SQLSTATE (shutdown, idle timeout, admin kill). */
  terminate(code: string, message: string): void;
  /** True when the client holds no server connection and waits for none. */
  readonly isIdle: boolean;
  /** ms since epoch when the client last sent anything while inside a transaction, else 0. */
  readonly idleInTransactionSince: number;
  readonly source: PgSource | null;
}

export interface PgProxyContext {
  readonly sources: Map<string, PgSource>;
  readonly cancelKeys: CancelKeys;
  readonly statements: StatementRegistry;
  readonly listener: PostgresListenerConfig;
  readonly log: Logger;
  readonly sessions: Set<SessionHandle>;
  /** Set on SIGTERM: new logins are refused with 57P01-class errors. */
  shuttingDown: boolean;
}
