/** What a MySQL client session needs from the proxy, so the session never reaches into its internals. */
import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditSink } from '../../auth/audit/index.js';
import type { LoginGuard } from '../../auth/login-guard.js';
import type { ClientTlsContext } from '../tls/tls-contexts.js';
import type { HandshakeGate } from '../tls/handshake-gate.js';
import type { MysqlListenerConfig, MysqlUserConfig } from '../../config/types.js';
import type { Pool } from '../../pool/pool.js';
import type { ClientProfile } from './server-login.js';
import type { MysqlServerConnection } from './server-connection.js';
import type { StatementCache } from './statements.js';
import type { MysqlUnitRouter, RoutedMysqlSession } from './unit-router.js';

export interface MysqlRoute {
  readonly source: MysqlSourceHandle;
  readonly user: MysqlUserConfig;
  /** The schema the client starts in; '' for none. */
  readonly schema: string;
}

export interface MysqlSourceHandle {
  readonly name: string;
  pool(user: MysqlUserConfig, profile: ClientProfile): Pool<MysqlServerConnection>;
  router(session: RoutedMysqlSession, user: MysqlUserConfig, profile: ClientProfile): MysqlUnitRouter;
  readonly statements: StatementCache;
  /** pool.mode session: a client keeps its server connection until it leaves. */
  readonly sessionPooling: boolean;
  clients: number;
}

export interface MysqlProxyContext {
  readonly listener: MysqlListenerConfig;
  readonly log: Logger;
  /** The listener's TLS context; null when client_tls.mode is disable. */
  readonly clientTls: ClientTlsContext | null;
  /** Paces TLS handshakes while the event loop is busy (client_tls.busy_handshake_rate). */
  readonly handshakeGate: HandshakeGate;
  /** The gateway's, shared with the other protocols so one address is counted across them. */
  readonly loginGuard: LoginGuard;
  readonly audit: AuditSink;
  /** Logins refused after they matched a source, by source name (sluice_errors_total SLUICE_LOGIN_FAILED). */
  readonly loginFailures: Map<string, number>;
  /** Sluice's RSA key pair for caching_sha2_password's full path without TLS. */
  readonly publicKeyPem: string;
  readonly privateKey: KeyObject;
  /** The version string of the greeting: the backends' own once one was reached. */
  serverVersion(): string;
  /** The source and user a login names: the database is a source name, or a schema on the user's default source. */
  route(database: string | null, user: string): MysqlRoute | null;
  /** "source/user" that passed caching_sha2_password's full path since start (the servers' cache, here). */
  readonly sha2Cache: Set<string>;
  nextConnectionId(): number;
}
