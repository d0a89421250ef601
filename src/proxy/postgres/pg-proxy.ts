/**
 * The PostgreSQL side of Sluice: its sources, the listener's acceptor, and the periodic
 * checks that are per session rather than per pool (idle_transaction_timeout).
 */
import type net from 'node:net';
import type { Logger } from 'pino';
import type { PostgresListenerConfig, PostgresSourceConfig } from '../../config/types.js';
import { errorResponse } from '../../wire/postgres/backend-messages.js';
import { SQLSTATE } from '../../wire/postgres/sqlstate.js';
import type { ProtocolAcceptor } from '../listener.js';
import type { AcceptedInput } from '../shared-reads.js';
import { CancelKeys } from './cancel-keys.js';
import { PgClientSession } from './client-session.js';
import type { ConsoleLink, PgProxyContext, SessionHandle } from './context.js';
import { PgSource } from './pg-source.js';
import { StatementRegistry } from './prepared-statements.js';
import { NO_AUDIT, type AuditSink } from '../../auth/audit/index.js';
import { LoginGuard } from '../../auth/login-guard.js';
import { type ClientTlsContext, clientTlsContext } from '../tls/tls-contexts.js';
import { HandshakeGate } from '../tls/handshake-gate.js';

export class PgProxy implements ProtocolAcceptor, PgProxyContext {
  readonly sources = new Map<string, PgSource>();
  readonly cancelKeys = new CancelKeys();
  readonly statements = new StatementRegistry();
  readonly sessions = new Set<SessionHandle>();
  listener: PostgresListenerConfig;
  clientTls: ClientTlsContext | null;
  readonly handshakeGate: HandshakeGate;
  readonly log: Logger;
  shuttingDown = false;
  console?: ConsoleLink;
  audit: AuditSink = NO_AUDIT;
  /** The gateway's, shared with Redis AUTH so one address is counted across protocols. */
  loginGuard = new LoginGuard();
  private readonly janitor: NodeJS.Timeout;

  constructor(listener: PostgresListenerConfig, sources: PostgresSourceConfig[], log: Logger) {
    this.listener = listener;
    this.clientTls = clientTlsContext(listener.client_tls, 'listeners.postgres.client_tls');
    this.handshakeGate = new HandshakeGate(listener.client_tls.busy_handshake_rate);
    this.log = log.child({ protocol: 'postgres' });
    for (const s of sources) this.sources.set(s.name, new PgSource(s, this.log, listener.max_packet_size));
    this.janitor = setInterval(() => this.tick(), 1000).unref();
  }

  readonly sharedReads = true;

  accept(socket: net.Socket, input: AcceptedInput): void {
    new PgClientSession(socket, this, input);
  }

  refuseTooMany(socket: net.Socket, limit: number): void {
    socket.end(errorResponse({ severity: 'FATAL', code: SQLSTATE.TooManyConnections, message: `sorry, too many clients already (max_client_conn ${limit})` }));
  }

  /** Apply new source settings; sources added or removed come and go. */
  reload(listener: PostgresListenerConfig, sources: PostgresSourceConfig[]): void {
    // New certificates apply to new connections; a bad file keeps the old context (and says so).
    try {
      this.clientTls = clientTlsContext(listener.client_tls, 'listeners.postgres.client_tls');
    } catch (err) {
      this.log.error({ err }, 'client_tls not reloaded; the previous certificates stay in use');
    }
    this.handshakeGate.setRate(listener.client_tls.busy_handshake_rate);
    this.listener = listener;
    const names = new Set(sources.map((s) => s.name));
    for (const [name, source] of this.sources) {
      if (!names.has(name)) {
        this.sources.delete(name);
        void source.close();
      }
    }
    for (const s of sources) {
      const existing = this.sources.get(s.name);
      if (existing) existing.reload(s);
      else this.sources.set(s.name, new PgSource(s, this.log, listener.max_packet_size));
    }
  }

  /** Resolves when no client holds a server connection (transactions in flight are done). */
  async drain(deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      let busy = false;
      for (const s of this.sessions) if (!s.isIdle) { busy = true; break; }
      if (!busy) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    clearInterval(this.janitor);
    for (const s of [...this.sessions]) s.terminate(SQLSTATE.AdminShutdown, 'terminating connection due to administrator command (Sluice is shutting down)');
    this.handshakeGate.close();
    await Promise.all([...this.sources.values()].map((s) => s.close()));
  }

  private tick(): void {
    const now = Date.now();
    for (const s of this.sessions) {
      const limit = s.source?.config.pool.idle_transaction_timeout ?? 0;
      if (limit > 0 && s.idleInTransactionSince !== 0 && now - s.idleInTransactionSince > limit) {
        s.terminate(SQLSTATE.IdleInTransactionTimeout, `terminating connection due to idle-in-transaction timeout (idle_transaction_timeout ${limit} ms)`);
      }
    }
  }
}
