/**
 * Client → server: forwards each message of a client's unit of work, recording in the
 * server's RequestQueue what response is due, and rewrites what transaction pooling must:
 * named prepared statements (renamed, re-prepared where missing, answered locally where the
 * server already has them) and the few statements that must not reach a shared server.
 */
import { ProtocolError } from '../../errors.js';
import { commandComplete, errorResponse, PARSE_COMPLETE, READY_IDLE } from '../../wire/postgres/backend-messages.js';
import { F } from '../../wire/postgres/constants.js';
import { cstringEnd } from '../../wire/postgres/fields.js';
import { bindWithStatement, parseWithName, statementTarget } from '../../wire/postgres/frontend-messages.js';
import { SQLSTATE } from '../../wire/postgres/sqlstate.js';
import type { PgClientSession } from './client-session.js';
import type { ClientStatement } from './prepared-statements.js';
import { classifyQuery } from './query-peek.js';
import { Act, Req } from './request-queue.js';
import type { PgServerConnection } from './server-connection.js';

const TYPE_S = 0x53;

export class RequestRelay {
  private readonly session: PgClientSession;
  /**
   * Extended-protocol messages were sent since the last Sync: the server holds an implicit
   * transaction (and unnamed statement/portal) even when every response is in, so the unit
   * of work is not over and the server is not clean until Sync.
   */
  syncPending = false;

  constructor(session: PgClientSession) { this.session = session; }

  private get tracking(): boolean {
    return this.session.mode !== 'session' && this.session.source!.config.pool.max_prepared_statements > 0;
  }

  onMessage(server: PgServerConnection, type: number, buf: Buffer, start: number, end: number): void {
    const q = server.queue;
    const out = this.session.toServer!;
    switch (type) {
      case F.Query:
        if (this.session.mode !== 'session' && this.onQueryText(server, buf, start, end)) return;
        q.push(Req.Query, Act.Forward);
        break;
      case F.Parse:
        this.syncPending = true;
        if (this.tracking && this.onParse(server, buf, start, end)) return;
        q.push(Req.Parse, Act.Forward);
        break;
      case F.Bind:
        this.syncPending = true;
        if (this.tracking && this.onBind(server, buf, start, end)) return;
        q.push(Req.Bind, Act.Forward);
        break;
      case F.Describe:
        this.syncPending = true;
        if (this.tracking && this.onStatementTarget(server, F.Describe, buf, start, end)) return;
        q.push(Req.Describe, Act.Forward);
        break;
      case F.Close:
        this.syncPending = true;
        if (this.tracking && this.onStatementTarget(server, F.Close, buf, start, end)) return;
        q.push(Req.Close, Act.Forward);
        break;
      case F.Execute:
        this.syncPending = true;
        q.push(Req.Execute, Act.Forward);
        break;
      case F.Sync:
        this.syncPending = false;
        q.push(Req.Sync, Act.Forward);
        break;
      case F.FunctionCall: q.push(Req.Query, Act.Forward); break;
      case F.Flush:
      case F.CopyData:
      case F.CopyDone:
      case F.CopyFail:
        break;
      default:
        throw new ProtocolError(`unexpected message type '${String.fromCharCode(type)}' (0x${type.toString(16)}) from client`);
    }
    out.forward(buf, start, end);
  }

  /**
   * A chunk made only of named Parses of statements some server has already accepted, then
   * Sync (a driver's prepare step), outside a transaction: answered without leasing a server.
   * Besides saving a round trip this keeps single-threaded clients that prepare synchronously
   * (pgbench -M prepared) from waiting on servers held by their own other connections.
   */
  answerLonePrepare(chunk: Buffer): boolean {
    if (!this.tracking || chunk.length < 10 || chunk[0] !== F.Parse || chunk[chunk.length - 5] !== F.Sync) return false;
    const found: [string, ClientStatement][] = [];
    let o = 0;
    while (o < chunk.length - 5) {
      if (chunk[o] !== F.Parse || o + 5 > chunk.length) return false;
      const end = o + 1 + chunk.readInt32BE(o + 1);
      if (end > chunk.length - 5 || end < o + 5) return false;
      const nameEnd = chunk.indexOf(0, o + 5);
      if (nameEnd < 0 || nameEnd >= end || nameEnd === o + 5) return false;
      const serverName = this.session.ctx.statements.nameFor(chunk, nameEnd + 1, end);
      if (!this.session.ctx.statements.isVerified(serverName)) return false;
      found.push([chunk.toString('utf8', o + 5, nameEnd), { serverName, parseBody: Buffer.from(chunk.subarray(nameEnd + 1, end)) }]);
      o = end;
    }
    if (o !== chunk.length - 5 || chunk.readInt32BE(o + 1) !== 4) return false;
    const out = this.session.out;
    for (const [name, st] of found) {
      this.session.statements.set(name, st);
      out.send(PARSE_COMPLETE);
    }
    out.send(READY_IDLE);
    return true;
  }

  /** A simple query that Sluice answers or refuses itself; true when handled. */
  private onQueryText(server: PgServerConnection, buf: Buffer, start: number, end: number): boolean {
    const kind = classifyQuery(buf, start + 5, end - 1);
    if (kind === null) return false;
    const s = this.session;
    switch (kind.kind) {
      case 'listen':
        server.fake(s, Req.Query, errorResponse({
          code: SQLSTATE.FeatureNotSupported,
          message: `LISTEN is not supported in ${s.mode} pooling mode: notifications would be lost when the server connection goes back to the pool`,
          hint: 'Use a source with pool mode session for LISTEN/NOTIFY consumers.',
        }));
        return true;
      case 'deallocate-all':
        s.statements.clear();
        server.fake(s, Req.Query, commandComplete('DEALLOCATE ALL'));
        return true;
      case 'deallocate':
        if (!s.statements.delete(kind.name)) return false;
        server.fake(s, Req.Query, commandComplete('DEALLOCATE'));
        return true;
    }
  }

  /** Named Parse: returns true when handled here. */
  private onParse(server: PgServerConnection, buf: Buffer, start: number, end: number): boolean {
    const nameEnd = cstringEnd(buf, start + 5, end);
    if (nameEnd === start + 5) return false;
    const name = buf.toString('utf8', start + 5, nameEnd);
    const serverName = this.session.ctx.statements.nameFor(buf, nameEnd + 1, end);
    const statement: ClientStatement = { serverName, parseBody: Buffer.from(buf.subarray(nameEnd + 1, end)) };
    this.session.statements.set(name, statement);
    if (server.statements.has(serverName)) {
      server.statements.touch(serverName);
      server.fake(this.session, Req.Parse);
    } else {
      this.prepare(server, statement, Act.Forward);
    }
    return true;
  }

  /** Named Bind: re-prepare if this server lacks the statement, then bind under the server's name. */
  private onBind(server: PgServerConnection, buf: Buffer, start: number, end: number): boolean {
    const portalEnd = cstringEnd(buf, start + 5, end);
    const stmtEnd = cstringEnd(buf, portalEnd + 1, end);
    if (stmtEnd === portalEnd + 1) return false;
    const statement = this.session.statements.get(buf.toString('utf8', portalEnd + 1, stmtEnd));
    // Unknown names go through unchanged: the server answers 26000 as PostgreSQL would.
    if (statement === undefined) return false;
    this.ensurePrepared(server, statement);
    server.queue.push(Req.Bind, Act.Forward);
    this.session.toServer!.send(bindWithStatement(buf.subarray(start + 5, portalEnd + 1), statement.serverName, buf, stmtEnd + 1, end));
    return true;
  }

  /** Describe or Close of a named statement. */
  private onStatementTarget(server: PgServerConnection, type: number, buf: Buffer, start: number, end: number): boolean {
    if (buf[start + 5] !== TYPE_S) return false;
    const nameEnd = cstringEnd(buf, start + 6, end);
    if (nameEnd === start + 6) return false;
    const name = buf.toString('utf8', start + 6, nameEnd);
    const statement = this.session.statements.get(name);
    if (type === F.Close) {
      // The server keeps the statement for other clients; closing an unknown name is no error.
      this.session.statements.delete(name);
      server.fake(this.session, Req.Close);
      return true;
    }
    if (statement === undefined) return false;
    this.ensurePrepared(server, statement);
    server.queue.push(Req.Describe, Act.Forward);
    this.session.toServer!.send(statementTarget(F.Describe, statement.serverName));
    return true;
  }

  private ensurePrepared(server: PgServerConnection, statement: ClientStatement): void {
    if (server.statements.has(statement.serverName)) server.statements.touch(statement.serverName);
    else this.prepare(server, statement, Act.Skip);
  }

  private prepare(server: PgServerConnection, statement: ClientStatement, act: Act): void {
    const out = this.session.toServer!;
    server.statements.add(statement.serverName);
    for (let evicted = server.statements.evict(); evicted !== null; evicted = server.statements.evict()) out.send(server.ownClose(evicted));
    server.queue.push(Req.Parse, act, statement.serverName);
    out.send(parseWithName(statement.serverName, statement.parseBody));
  }
}
