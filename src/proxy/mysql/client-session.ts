/**
 * One MySQL client of Sluice: login, then its commands, one at a time, each on a server
 * connection leased for that unit of work and given back when the answer is complete and no
 * transaction, table lock or session pin holds it (ProxySQL's multiplexing rules). Packets the
 * client sends while a command runs wait, with the socket paused, so memory stays bounded.
 */
import type net from 'node:net';
import { MysqlProtocolError, type SluiceError } from '../../errors.js';
import type { LeaseWaiter } from '../../pool/types.js';
import type { Pool } from '../../pool/pool.js';
import { WorkTiming } from '../../pool/work-timing.js';
import {
  COM_STMT_EXECUTE, HEADER_SIZE, PACKET_FIRST, PACKET_LAST, PACKET_OK, PacketFramer, SERVER_STATUS_AUTOCOMMIT,
  SERVER_STATUS_IN_TRANS, SERVER_STATUS_NO_BACKSLASH_ESCAPES, buildErr, buildOk,
} from '../../wire/mysql/index.js';
import { type LoginLink, loginClient, reauthenticate } from './client-login.js';
import { isSslRequestPacket } from './client-tls.js';
import { acceptClientTlsSocket } from '../tls/client-tls-socket.js';
import { applyOk, applySuccess, capturePrepare } from './response-effects.js';
import { ClientOutput } from './client-output.js';
import { type HeldPacket, PendingPackets } from './pending-packets.js';
import type { Command } from './command.js';
import { interpret, type SessionHost } from './command-interpreter.js';
import type { MysqlProxyContext, MysqlRoute } from './context.js';
import { CR_SERVER_LOST, ER_CONNECTION_KILLED, errPacket } from './errors.js';
import { PacketQueue } from './packet-queue.js';
import type { MysqlServerConnection, ServerSink } from './server-connection.js';
import type { ClientProfile } from './server-login.js';
import { ClientSessionState } from './session-state.js';
import { needsSync, returnConnection, syncConnection } from './session-sync.js';
import type { ClientStatement } from './statements.js';
import type { MysqlUnitRouter } from './unit-router.js';

export class MysqlClientSession implements LeaseWaiter<MysqlServerConnection>, ServerSink, SessionHost {
  readonly connectionId: number;
  readonly connectedAt = Date.now();
  /** Kept from the start: a closed socket no longer knows its peer. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  onClosed: ((s: MysqlClientSession) => void) | null = null;
  route: MysqlRoute | null = null;
  state = new ClientSessionState('');
  profile: ClientProfile = { capabilities: 0, mariadbCapabilities: 0, charset: 0 };
  readonly statements = new Map<number, ClientStatement>();
  nextStatementId = 1;
  lastStatementId = 0;
  /** Sticky for the rest of the session (GET_LOCK, @vars, temporary tables, ...). */
  pinned = false;
  lockTables = false;
  /** SEND_LONG_DATA went to this connection: keep it until the execute. */
  holdStatement = false;
  noBackslashEscapes = false;
  conn: MysqlServerConnection | null = null;
  /** The client's socket; a TLS socket over the accepted one after an SSLRequest (startTls). */
  private socket: net.Socket;
  private framer: PacketFramer;
  private output: ClientOutput;
  private readonly ctx: MysqlProxyContext;
  private readonly link: LoginLink;
  private tls = false;
  /** An SSLRequest was framed: TLS takes the socket over once the current chunk is done. */
  private tlsRequested = false;
  private login: PacketQueue | null = new PacketQueue();
  /** The pool of the client's route, once logged in. */
  pool: Pool<MysqlServerConnection> | null = null;
  /** Chooses each command's host and pool (read/write split, failover wait). */
  private router: MysqlUnitRouter | null = null;
  private cmd: Command | null = null;
  /** Its commands' and transactions' times, into the pool's totals. */
  private readonly work = new WorkTiming();
  private pending: PendingPackets;
  private waiting = false;
  private lastSeq = 0;
  private closed = false;

  constructor(socket: net.Socket, ctx: MysqlProxyContext) {
    this.socket = socket;
    this.ctx = ctx;
    this.connectionId = ctx.nextConnectionId();
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.remotePort = socket.remotePort ?? 0;
    this.framer = new PacketFramer(this, ctx.listener.max_packet_size);
    this.output = new ClientOutput(socket);
    this.pending = new PendingPackets(socket);
    socket.setNoDelay(true);
    socket.on('data', this.onChunk);
    socket.on('error', (err) => ctx.log.debug({ err, client: this.connectionId }, 'mysql client socket error'));
    socket.on('close', () => this.onSocketClosed());
    this.link = {
      write: (b) => { this.socket.write(b); },
      refuse: (b) => {
        if (!this.socket.destroyed) this.socket.end(b);
        this.socket.destroySoon();
      },
      secure: () => this.tls,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
    };
    void loginClient(this.ctx, this.login!, this.link, this.connectionId).then((r) => {
      if (r !== null && !this.closed) this.enter(r.route, r.profile, r.nextSeq);
    });
  }

  /** Logged in (or in again after COM_CHANGE_USER): a clean session on the route's pool. */
  private enter(route: MysqlRoute, profile: ClientProfile, seq: number): void {
    this.login = null;
    if (this.route !== null) this.route.source.clients--;
    route.source.clients++;
    this.route = route;
    this.profile = profile;
    this.state = new ClientSessionState(route.schema);
    this.pool = route.source.pool(route.user, profile);
    this.work.totals = this.pool.totals;
    // COM_CHANGE_USER inside a transaction gave that connection up: its unit of work never ends.
    this.work.forget();
    this.router = route.source.router(this, route.user, profile);
    this.resetSession();
    this.socket.write(buildOk({ statusFlags: SERVER_STATUS_AUTOCOMMIT }, profile.capabilities, seq));
    this.drain();
  }

  /** In SHOW CLIENTS' vocabulary, for the admin views. */
  get phase(): 'active' | 'waiting' | 'idle' | 'login' {
    if (this.route === null) return 'login';
    if (this.waiting) return 'waiting';
    return this.conn === null ? 'idle' : 'active';
  }

  /** The socket the client speaks over now (a TLS socket after an SSLRequest), for the admin views. */
  get transport(): net.Socket { return this.socket; }

  private readonly onChunk = (chunk: Buffer): void => {
    try {
      this.framer.push(chunk);
    } catch (err) {
      this.fatal(err, 0);
    }
    if (this.tlsRequested && !this.closed) this.startTls();
  };

  /**
   * Hand the socket to TLS once the handshake gate lets it start; the client's handshake bytes
   * wait in the paused socket. The HandshakeResponse then arrives over TLS, sequence id 2.
   */
  private startTls(): void {
    this.tlsRequested = false;
    const raw = this.socket;
    raw.off('data', this.onChunk);
    raw.pause();
    const early = this.framer.takeLeftover();
    // Marked now: the login must not take a plain-text answer while the handshake waits its turn.
    this.tls = true;
    this.ctx.handshakeGate.admit(() => this.wrapTls(raw, early), () => raw.destroyed || this.closed);
  }

  private wrapTls(raw: net.Socket, early: Buffer | null): void {
    const secure = acceptClientTlsSocket(raw, this.ctx.clientTls!, early);
    this.socket = secure;
    this.framer = new PacketFramer(this, this.ctx.listener.max_packet_size);
    this.output = new ClientOutput(secure);
    this.pending = new PendingPackets(secure);
    secure.on('data', this.onChunk);
    secure.on('error', (err) => this.ctx.log.debug({ err, client: this.connectionId }, 'mysql client TLS error'));
    secure.on('close', () => this.onSocketClosed());
  }

  // PacketHandler (client side)
  onPacket(seq: number, buf: Buffer, start: number, end: number, part: number): void {
    if (this.closed) return;
    if (this.login !== null) {
      this.login.push(seq, buf, start, end);
      // What follows an SSLRequest is a TLS handshake, not packets: stop framing here.
      if (this.route === null && !this.tls && this.ctx.clientTls !== null && isSslRequestPacket(seq, buf, start, end)) {
        this.framer.halt();
        this.tlsRequested = true;
      }
      return;
    }
    const cmd = this.cmd;
    if (cmd !== null) {
      if (cmd.partial && !this.pending.busy) return this.continueCommand(cmd, buf.subarray(start, end), part);
      const conn = this.conn;
      if (conn !== null && cmd.forwarded && conn.tracker.awaitingClientData) {
        conn.write(buf.subarray(start, end));
        conn.tracker.onClientPacket(end - start - HEADER_SIZE);
        return;
      }
    }
    if (cmd !== null || this.pending.busy) {
      this.pending.hold({ seq, buf, start, end, part });
      return;
    }
    this.startCommand(seq, buf, start, end, part);
  }

  /** The next packet of a command of 16 MB or more. */
  private continueCommand(cmd: Command, view: Buffer, part: number): void {
    if (part & PACKET_LAST) cmd.partial = false;
    // Kept even once forwarded: a prepare's whole text keys the statement cache.
    cmd.packets.push(view);
    if (cmd.forwarded) this.conn?.write(view);
  }

  wantsStream(): boolean { return false; }
  onStreamData(): void { /* never called: wantsStream refuses */ }

  private startCommand(seq: number, buf: Buffer, start: number, end: number, part: number): void {
    if (!(part & PACKET_FIRST)) return this.fatal(new MysqlProtocolError('a continuation packet with no command before it'), seq + 1);
    if (seq !== 0) return this.fatal(new MysqlProtocolError(`Got packets out of order: command with sequence id ${seq}`, 1156, '08S01'), seq + 1);
    try {
      const cmd = interpret(this, buf, start, end, part);
      if (cmd === null) return;
      this.cmd = cmd;
      if (this.conn !== null) return this.onLease(this.conn);
      this.waiting = true;
      this.router!.route(cmd);
    } catch (err) {
      if (err instanceof MysqlProtocolError) this.reply(errPacket(err, 1));
      else this.fatal(err, 1);
    }
  }

  // SessionHost
  reply(packet: Buffer): void { this.socket.write(packet); }
  replyOk(): void {
    const inTrans = this.conn?.tracker.inTransaction ? SERVER_STATUS_IN_TRANS : 0;
    this.reply(buildOk({ statusFlags: SERVER_STATUS_AUTOCOMMIT | inTrans }, this.profile.capabilities, 1));
  }
  quit(): void { this.close(); }

  resetSession(): void {
    this.statements.clear();
    this.state.reset();
    // Session pooling keeps the connection for the whole client session, as PgBouncer's does.
    this.pinned = this.route?.source.sessionPooling ?? false;
    this.lockTables = false;
    this.holdStatement = false;
  }

  /** COM_CHANGE_USER: logged in again through an auth switch, then a clean session, maybe on another pool. */
  changeUser(payload: Buffer): void {
    const queue = new PacketQueue();
    this.login = queue;
    reauthenticate(this.ctx, queue, this.link, payload, this.profile.capabilities).then((r) => {
      if (this.closed) return;
      const conn = this.conn;
      this.conn = null;
      if (conn !== null) returnConnection(this.pool!, conn, this.holds, false);
      this.enter(r.route, r.charset === 0 ? this.profile : { ...this.profile, charset: r.charset }, r.nextSeq);
    }, (err: unknown) => this.fatal(err, queue.lastSeq + 1));
  }

  // LeaseWaiter
  onLease(conn: MysqlServerConnection): void {
    this.waiting = false;
    if (this.closed) {
      this.pool!.release(conn, true);
      return;
    }
    this.conn = conn;
    conn.sink = this;
    const cmd = this.cmd!;
    if (!needsSync(conn, this.state, cmd)) {
      this.send(conn, cmd);
      return;
    }
    syncConnection(conn, this.state, cmd).then((err) => {
      if (this.conn !== conn || this.closed) return;
      if (err === null) this.send(conn, cmd);
      else this.failCommand(buildErr(err, 1));
    }, () => { /* onServerLost answered the client */ });
  }

  onLeaseError(err: SluiceError): void {
    this.waiting = false;
    this.failCommand(errPacket(err, 1));
  }

  private failCommand(packet: Buffer): void {
    this.reply(packet);
    this.finishCommand();
  }

  private send(conn: MysqlServerConnection, cmd: Command): void {
    if (cmd.stmt !== null) cmd.packets[0]!.writeUInt32LE(conn.statements.get(cmd.stmt.global.id)!, HEADER_SIZE + 1);
    let expects: boolean;
    try {
      expects = conn.tracker.begin(cmd.code);
    } catch (err) {
      return this.failCommand(errPacket(err, 1));
    }
    cmd.forwarded = true;
    // A command the server does not answer (COM_STMT_CLOSE...) is counted but not timed: nothing would end its time.
    if (expects) this.work.queryStarted();
    else this.pool!.totals.queries++;
    this.lastSeq = 0;
    for (const p of cmd.packets) conn.write(p);
    if (!expects) this.finishCommand();
  }

  // ServerSink
  onServerPacket(buf: Buffer, start: number, end: number, part: number, done: boolean): void {
    const prepare = this.cmd!.prepare;
    if (prepare !== null) capturePrepare(prepare, buf, start, end, part);
    this.lastSeq = buf[start + 3]!;
    this.output.forward(buf.subarray(start, end), this.conn!);
    if (done && part & PACKET_LAST) this.onResponseDone(buf, start + HEADER_SIZE, end);
  }

  onServerChunkEnd(): void { this.output.flush(); }

  onServerLost(err: SluiceError): void {
    const conn = this.conn;
    this.conn = null;
    if (conn !== null) this.pool?.release(conn, false);
    if (this.closed) return;
    this.fatal(new MysqlProtocolError(`Lost connection to server during query: ${err.message}`, CR_SERVER_LOST, 'HY000'), this.cmd?.forwarded ? this.lastSeq + 1 : 1);
  }

  private onResponseDone(buf: Buffer, start: number, end: number): void {
    const conn = this.conn!;
    const cmd = this.cmd!;
    const tracker = conn.tracker;
    const failed = tracker.failedWithError;
    if (tracker.lastPacket === PACKET_OK) applyOk(this.state, conn, buf, start, end);
    if (!failed && !applySuccess(this.state, this.statements, this.route!.source.statements, conn, cmd)) this.pinned = true;
    this.noBackslashEscapes = (tracker.statusFlags & SERVER_STATUS_NO_BACKSLASH_ESCAPES) !== 0;
    if (cmd.code === COM_STMT_EXECUTE) this.holdStatement = false;
    this.work.workAnswered(!tracker.inTransaction, conn.host.health);
    this.finishCommand();
  }

  private finishCommand(): void {
    this.cmd = null;
    const conn = this.conn;
    if (conn !== null && !this.holds && conn.tracker.releasable) {
      conn.sink = null;
      this.conn = null;
      this.pool!.release(conn, true);
    }
    this.drain();
  }

  private drain(): void {
    this.pending.drain(() => (this.cmd === null || this.cmd.partial) && !this.closed && this.login === null, this.startHeld);
  }

  private readonly startHeld = (p: HeldPacket): void => {
    if (this.cmd?.partial) this.continueCommand(this.cmd, p.buf.subarray(p.start, p.end), p.part);
    else this.startCommand(p.seq, p.buf, p.start, p.end, p.part);
  };

  private fatal(err: unknown, seq: number): void {
    if (this.closed) return;
    this.socket.end(errPacket(err, seq));
    this.close();
  }

  /** Closed by an operator: the client reads why (ER_CONNECTION_KILLED), as after a server's KILL. */
  terminate(message: string): void {
    this.fatal(new MysqlProtocolError(message, ER_CONNECTION_KILLED, '70100'), 0);
  }

  close(): void {
    if (this.closed) return;
    this.framer.halt();
    this.socket.destroySoon();
    this.onSocketClosed();
  }

  private onSocketClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.login?.fail(new MysqlProtocolError('client closed the connection'));
    if (this.route !== null) this.route.source.clients--;
    if (this.waiting) this.router?.cancelWait();
    const conn = this.conn;
    this.conn = null;
    if (conn !== null) returnConnection(this.pool!, conn, this.holds, this.cmd?.forwarded === true);
    this.onClosed?.(this);
  }

  // RoutedMysqlSession
  usePool(pool: Pool<MysqlServerConnection>): void { this.pool = pool; this.work.totals = pool.totals; }

  /** A pin, a table lock or pending long data keeps the connection past the end of a response. */
  private get holds(): boolean { return this.pinned || this.lockTables || this.holdStatement; }
}
