/**
 * Per MySQL client session: the need of each command, for the shared RoutedLease that picks
 * the host (HostRoster) and leases from its pool (HostPools), with failover wait and
 * rerouting. A COM_QUERY or a prepared statement's COM_STMT_EXECUTE outside a transaction (the client's last answer had autocommit on;
 * an open transaction keeps its connection and never comes here), with no pin, table lock or
 * long data holding a connection, that the MySQL classifier calls a read may go to a
 * replica under `routing.read_write_split`; everything else goes to the writer.
 */
import type { HostPools } from '../../pool/host-pools.js';
import type { WorkNeed } from '../../router/host-choice.js';
import type { RoutedHost } from '../../router/host-set.js';
import type { MysqlReadWriteClassifier } from '../../router/mysql-read-write.js';
import { type LeasingSession, type RouteTarget, RoutedLease } from '../../router/routed-lease.js';
import { COM_QUERY, COM_STMT_EXECUTE, HEADER_SIZE } from '../../wire/mysql/index.js';
import type { Command } from './command.js';
import type { MysqlServerConnection } from './server-connection.js';
import type { ClientSessionState } from './session-state.js';

/** What the router needs of its session; MysqlClientSession provides it. */
export interface RoutedMysqlSession extends LeasingSession<MysqlServerConnection> {
  readonly state: ClientSessionState;
  readonly pinned: boolean;
  readonly lockTables: boolean;
  readonly holdStatement: boolean;
  readonly noBackslashEscapes: boolean;
}

/** The source as this router sees it. */
export interface MysqlRouteTarget extends RouteTarget {
  readonly readWriteSplit: boolean;
  readonly classifier: MysqlReadWriteClassifier;
}

export class MysqlUnitRouter {
  private readonly lease: RoutedLease<MysqlServerConnection>;

  constructor(
    private readonly session: RoutedMysqlSession,
    private readonly source: MysqlRouteTarget,
    pools: HostPools<MysqlServerConnection, RoutedHost>,
  ) {
    this.lease = new RoutedLease(session, source, pools);
  }

  /** Route and lease for `cmd`, whose first packet is whole. */
  route(cmd: Command): void {
    this.lease.acquire(this.mayRead(cmd) ? this.needOf(cmd) : 'write');
  }

  /** The client left while waiting. */
  cancelWait(): void { this.lease.cancelWait(); }

  /** A text query or a prepared statement's execute, outside a transaction and free of anything that binds the session to one server. */
  private mayRead(cmd: Command): boolean {
    const s = this.session;
    return this.source.readWriteSplit && (cmd.code === COM_QUERY || (cmd.code === COM_STMT_EXECUTE && cmd.stmt !== null)) && !cmd.partial
      && s.state.autocommit && !s.pinned && !s.lockTables && !s.holdStatement;
  }

  /**
   * A statement's verdict is kept on the global statement, judged with backslash escapes on
   * (the server default); a session without them judges its text afresh, since a quote may end elsewhere.
   */
  private needOf(cmd: Command): WorkNeed {
    const nbe = this.session.noBackslashEscapes;
    const stmt = cmd.stmt?.global;
    if (stmt === undefined) return this.reads(cmd.packets[0]!, HEADER_SIZE + 1, nbe) ? 'read' : 'write';
    if (nbe) return this.reads(stmt.prepare, 1, true) ? 'read' : 'write';
    stmt.reads ??= this.reads(stmt.prepare, 1, false);
    return stmt.reads ? 'read' : 'write';
  }

  private reads(buf: Buffer, start: number, noBackslashEscapes: boolean): boolean {
    return this.source.classifier.classify(buf, start, buf.length, noBackslashEscapes).route === 'read';
  }
}
