/** What every PostgreSQL client session shares: sources, cancel keys, statement names, limits. */
import type net from 'node:net';
import type { ClientTlsContext } from '../tls/tls-contexts.js';
import type { HandshakeGate } from '../tls/handshake-gate.js';
import type { Logger } from 'pino';
import type { Inventory } from '../../admin/inventory-types.js';
import type { PostgresListenerConfig, SluiceConfig, UserConfig } from '../../config/types.js';
import type { AuditSink } from '../../auth/audit/index.js';
import type { LoginGuard } from '../../auth/login-guard.js';
import type { Pool } from '../../pool/pool.js';
import type { CancelKeys } from './cancel-keys.js';
import type { PgSource } from './pg-source.js';
import type { StatementRegistry } from './prepared-statements.js';
import type { PgServerConnection } from './server-connection.js';

export type ClientState = 'active' | 'waiting' | 'idle' | 'login';

export interface SessionHandle {
  /** Close the session with a FATAL error of this SQLSTATE (shutdown, idle timeout, admin kill). */
  terminate(code: string, message: string): void;
  /** True when the client holds no server connection and waits for none. */
  readonly isIdle: boolean;
  /** ms since epoch when the client last sent anything while inside a transaction, else 0. */
  readonly idleInTransactionSince: number;
  readonly source: PgSource | null;
  // What the admin views read (SHOW CLIENTS, /v1/clients); never read on the forwarding path.
  /** Unique for the life of the process; the admin API kills by it. */
  readonly id: number;
  /** ms since epoch. */
  readonly connectedAt: number;
  /** Kept from accept: a closed socket forgets its peer. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly state: ClientState;
  /** Set once logged in. */
  readonly user: UserConfig | null;
  readonly pool: Pool<PgServerConnection> | null;
  readonly server: PgServerConnection | null;
  readonly applicationName: string;
  /** The client's socket: TLS over the accepted one once TLS is up (for the tls column). */
  readonly socket: net.Socket;
  /** Bytes from and to the client not yet folded into the pool's totals (a lease in progress). */
  readonly unfoldedBytesIn: number;
  readonly unfoldedBytesOut: number;
}

export interface PgProxyContext {
  readonly sources: Map<string, PgSource>;
  readonly cancelKeys: CancelKeys;
  readonly statements: StatementRegistry;
  readonly listener: PostgresListenerConfig;
  /** The listener's TLS context; null when client_tls.mode is disable. */
  readonly clientTls: ClientTlsContext | null;
  /** Paces new TLS handshakes while the event loop is busy (client_tls.busy_handshake_rate). */
  readonly handshakeGate: HandshakeGate;
  readonly log: Logger;
  readonly sessions: Set<SessionHandle>;
  /** Set on SIGTERM: new logins are refused with 57P01-class errors. */
  shuttingDown: boolean;
  /** Where logins and console admin commands are recorded (the audit trail), or NO_AUDIT. */
  readonly audit: AuditSink;
  /** Brute-force protection of client logins (counts failures, delays and locks out). */
  readonly loginGuard: LoginGuard;
  /** What the PgBouncer-compatible console (database pgbouncer/sluice) needs from above the proxy; absent, the console is refused. */
  console?: ConsoleLink;
}

/** Set by the Gateway (config, reload, shutdown) and by the CLI, which owns re-reading the file and exiting. */
export interface ConsoleLink {
  /** The running configuration: admin.admin_users / admin.stats_users, SHOW CONFIG. */
  config(): SluiceConfig;
  /** The admin read model the console's SHOW commands read. */
  inventory(): Inventory;
  /** RELOAD: re-read the configuration as SIGHUP does. */
  reload?(): Promise<void>;
  /** SHUTDOWN: stop as SIGTERM does. */
  shutdown?(): void;
}
