/**
 * One client connection to Sluice's PostgreSQL listener: startup, authentication, then its
 * units of work, each run on a server connection leased from its pool for as long as the
 * pool mode says (session, transaction, statement).
 */
import type net from 'node:net';
import type { PoolMode, UserConfig } from '../../config/types.js';
import { type SluiceError, PoolTimeoutError, ProtocolError } from '../../errors.js';
import type { Pool } from '../../pool/pool.js';
import type { LeaseWaiter } from '../../pool/types.js';
import { errorResponse, noticeResponse, parameterStatus } from '../../wire/postgres/backend-messages.js';
import { F, TX_IDLE } from '../../wire/postgres/constants.js';
import { readNoticeFields } from '../../wire/postgres/fields.js';
import { type FrameHandler, MessageFramer } from '../../wire/postgres/framer.js';
import { SQLSTATE } from '../../wire/postgres/sqlstate.js';
import type { Cancellable } from './cancel-keys.js';
import { ClientLogin, lastConnectError, type LoginOutcome } from './client-login.js';
import { RequestRelay } from './request-relay.js';
import type { ClientState, PgProxyContext, SessionHandle } from './context.js';
import { type BackpressureTarget, Forwarder } from './forwarder.js';
import type { PgSource } from './pg-source.js';
import type { ClientStatement } from './prepared-statements.js';
import type { PgServerConnection, ServerOwner } from './server-connection.js';
import { parameterDiff, setQuery, settingsToken } from './parameters.js';
import { UnitRouter } from './unit-router.js';
import { WorkAccounting } from './work-accounting.js';
import { PendingInput } from './pending-input.js';
import { ignoreInput, type AcceptedInput } from '../shared-reads.js';

/** Queued input above which a waiting client's socket stops being read. */
const PENDING_PAUSE_BYTES = 64 * 1024;

let nextClientId = 1;

export class PgClientSession implements LeaseWaiter<PgServerConnection>, ServerOwner, FrameHandler, Cancellable, SessionHandle {
  readonly id = nextClientId++;
  readonly connectedAt = Date.now();
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The client's socket; a TLS socket over the accepted one once TLS is up (useTls). */
  socket: net.Socket;
  /** True once the client's bytes travel over TLS. */
  tls = false;
  readonly ctx: PgProxyContext;
  /** Towards the client. */
  readonly out: Forwarder;
  /** Towards whichever server is attached; retargeted on each lease. */
  toServer: Forwarder | null = null;
  source: PgSource | null = null;
  user: UserConfig | null = null;
  pool: Pool<PgServerConnection> | null = null;
  mode: PoolMode = 'transaction';
  /** The session settings this client believes in. */
  params = new Map<string, string>();
  /** Token of `params` (parameters.ts settingsToken); null after any change, made again on demand. */
  private settings: object | null = null;
  /** Named prepared statements by the client's own names. */
  readonly statements = new Map<string, ClientStatement>();
  server: PgServerConnection | null = null;
  cancelPid = 0;
  cancelSecret = 0;
  idleInTransactionSince = 0;
  private login: ClientLogin | null;
  /** Chooses the host of each unit of work (unit-router.ts); set at login. */
  private router: UnitRouter | null = null;
  private framer: MessageFramer | null = null;
  private readonly relay: RequestRelay;
  /** Client bytes that arrived while no server was attached. */
  private readonly pending = new PendingInput();
  private waiting = false;
  private inClientChunk = false;
  private closed = false;
  /** Query and transaction times and bytes, added to the pool's totals. */
  private readonly work = new WorkAccounting();

  /** `input`: where the accepted socket's bytes come from (listener.ts, shared-reads.ts). */
  constructor(socket: net.Socket, ctx: PgProxyContext, private readonly input: AcceptedInput) {
    this.socket = socket;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.ctx = ctx;
    this.out = new Forwarder(socket, this.serverSide);
    this.relay = new RequestRelay(this);
    this.login = new ClientLogin(this, ctx);
    socket.setNoDelay(true);
    input.deliverTo(this.onChunk);
    socket.on('drain', this.onDrain);
    socket.on('close', () => this.onClientGone());
    socket.on('error', (err) => ctx.log.debug({ err }, 'client socket error'));
    ctx.sessions.add(this);
  }

  get isIdle(): boolean { return this.server === null && !this.waiting; }

  get state(): ClientState {
    if (this.login !== null) return 'login';
    if (this.server !== null) return 'active';
    return this.waiting ? 'waiting' : 'idle';
  }

  /** Chunks are views of a shared read buffer (plain sockets): keep only copies. */
  private get borrowed(): boolean { return this.input.borrowed && !this.tls; }

  get applicationName(): string { return this.params.get('application_name') ?? ''; }
  get unfoldedBytesIn(): number { return this.toServer?.bytes ?? 0; }
  get unfoldedBytesOut(): number { return this.work.unfoldedOut(this.out); }

  private readonly onChunk = (chunk: Buffer): void => this.onData(chunk);
  private readonly onDrain = (): void => { if (this.server?.socket.isPaused()) this.server.socket.resume(); };

  /**
   * From now on the client's bytes come and go through `secure`, a TLS socket over the
   * accepted one. Called during login, before any server is attached.
   */
  useTls(secure: net.Socket): void {
    // TLS reads the accepted socket's handle itself; nothing more comes through the plain input.
    this.input.deliverTo(ignoreInput);
    this.socket.off('drain', this.onDrain);
    this.socket = secure;
    this.tls = true;
    this.out.useSocket(secure);
    secure.on('data', this.onChunk);
    secure.on('drain', this.onDrain);
    secure.on('close', () => this.onClientGone());
    secure.on('error', (err) => this.ctx.log.debug({ err, client: this.remoteAddress }, 'client TLS error'));
  }

  /** When the client's socket is full, stop reading from the server. */
  private readonly serverSide: BackpressureTarget = { onDestinationFull: () => this.server?.socket.pause() };
  /** When the server's socket is full, stop reading from the client. */
  private readonly clientSide: BackpressureTarget = { onDestinationFull: () => this.socket.pause() };

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    if (this.login !== null) {
      this.login.onData(this.borrowed ? Buffer.from(chunk) : chunk);
      return;
    }
    if (this.server === null) {
      this.queueUntilLeased(chunk);
      return;
    }
    this.relayChunk(chunk);
  }

  /** Login finished: the client is ready for queries. */
  onLoggedIn(outcome: LoginOutcome): void {
    this.login = null;
    this.source = outcome.source;
    this.user = outcome.user;
    this.pool = outcome.pool;
    this.work.totals = outcome.pool.totals;
    this.mode = outcome.source.config.pool.mode;
    this.params = outcome.params;
    this.settings = null;
    this.cancelPid = outcome.cancelPid;
    this.cancelSecret = outcome.cancelSecret;
    this.ctx.cancelKeys.register(this.cancelPid, this);
    this.framer = new MessageFramer(this, this.ctx.listener.max_packet_size);
    this.router = new UnitRouter(this, outcome.source, outcome.user);
    if (outcome.rest !== null) this.onData(outcome.rest);
  }

  private queueUntilLeased(chunk: Buffer): void {
    // A lone Terminate needs no server.
    if (this.pending.empty && !this.framer!.midMessage && chunk.length === 5 && chunk[0] === F.Terminate) {
      this.close();
      return;
    }
    if (this.ctx.shuttingDown) {
      // In-flight transactions may finish; new ones are refused so that shutdown converges.
      this.terminate(SQLSTATE.AdminShutdown, 'terminating connection because Sluice is shutting down');
      return;
    }
    if (this.pending.empty && !this.framer!.midMessage && this.relay.answerLonePrepare(chunk)) return;
    this.pending.push(this.borrowed ? Buffer.from(chunk) : chunk);
    // A server is leased only for a whole first message: a client that sends half of one
    // must not hold a server (and starve the pool) for as long as it dawdles.
    if (!this.waiting && !this.pending.firstMessageComplete(this.ctx.listener.max_packet_size)) return;
    // Stop reading only when a client piles up input: pausing every queued client would
    // cost two stream state changes per transaction for the common one-query-at-a-time case.
    if (this.pending.bytes > PENDING_PAUSE_BYTES) this.socket.pause();
    if (this.waiting) return;
    this.waiting = true;
    if (this.router!.lease(this.pending.chunks)) return;
    // Answered by Sluice itself (SET sluice.route): nothing to send.
    this.waiting = false;
    this.pending.take();
  }

  /** The router chose this unit of work's host: its pool leases, counts and takes the connection back. */
  usePool(pool: Pool<PgServerConnection>): void {
    this.pool = pool;
    this.work.totals = pool.totals;
  }

  onLease(conn: PgServerConnection): void {
    this.waiting = false;
    if (this.closed) {
      this.pool!.release(conn, conn.idle);
      return;
    }
    this.server = conn;
    conn.attach(this);
    conn.input.retarget(this.clientSide, this.borrowed);
    this.toServer = conn.input;
    this.syncParameters(conn);
    for (const chunk of this.pending.take()) {
      if (this.server === null || this.closed) break;
      this.relayChunk(chunk);
    }
    if (!this.closed && this.socket.isPaused()) this.socket.resume();
  }

  onLeaseError(err: SluiceError): void {
    this.waiting = false;
    const code = err instanceof PoolTimeoutError ? SQLSTATE.ConnectionFailure : SQLSTATE.CannotConnectNow;
    this.terminate(code, err.message + lastConnectError(this.pool!, err));
  }

  /** Send the client's differing settings to the server before its work. */
  private syncParameters(conn: PgServerConnection): void {
    const token = this.settings ??= settingsToken(this.params);
    if (conn.syncedWith === token) return;
    const diff = parameterDiff(this.params, conn.params);
    conn.syncedWith = token;
    if (diff.length === 0) return;
    const sql = setQuery(diff);
    for (const [name, value] of diff) conn.params.set(name, value);
    if (sql !== '') this.toServer!.send(conn.ownQuery(sql));
  }

  private relayChunk(chunk: Buffer): void {
    this.inClientChunk = true;
    try {
      this.framer!.push(chunk);
    } catch (err) {
      this.inClientChunk = false;
      this.protocolViolation(err as Error);
      return;
    }
    this.inClientChunk = false;
    this.toServer?.flush();
    this.out.flush();
    this.idleInTransactionSince = 0;
    this.maybeRelease();
  }

  wantsStream(type: number): boolean {
    return this.server !== null && type === F.CopyData;
  }

  onStreamData(buf: Buffer, start: number, end: number): void {
    this.toServer!.forward(buf, start, end);
  }

  onMessage(type: number, buf: Buffer, start: number, end: number): void {
    if (type === F.Terminate) {
      this.close();
      return;
    }
    if (type === F.Query || type === F.Execute) {
      this.work.queryStarted();
    }
    this.relay.onMessage(this.server!, type, buf, start, end);
  }

  // --- ServerOwner -------------------------------------------------------------------------

  onParameterStatus(name: string, value: string, own: boolean, buf: Buffer, start: number, end: number): void {
    if (own) {
      // The server's spelling of a value Sluice set for this client (utf8 → UTF8).
      const mine = this.params.get(name);
      if (mine === undefined || mine === value) return;
      this.params.set(name, value);
      this.settings = null;
      this.out.send(parameterStatus(name, value));
      return;
    }
    if (this.params.get(name) !== value) {
      this.params.set(name, value);
      this.settings = null;
    }
    this.out.forward(buf, start, end);
  }

  onReadyForQuery(status: number, settled: boolean): void {
    this.idleInTransactionSince = status === TX_IDLE ? 0 : Date.now();
    if (settled) this.work.answered(status, this.server?.host.health);
    if (!settled || this.inClientChunk) return;
    if (this.mode === 'statement' && status !== TX_IDLE) {
      this.out.send(errorResponse({ severity: 'FATAL', code: SQLSTATE.FeatureNotSupported, message: 'transaction blocks are not allowed in statement pooling mode; use pool mode transaction or session for this source' }));
      this.out.flush();
      this.close();
      return;
    }
    this.maybeRelease();
  }

  onStatementPrepared(serverName: string): void {
    this.ctx.statements.markVerified(serverName);
  }

  onStatementFailed(serverName: string): void {
    for (const [name, st] of this.statements) if (st.serverName === serverName) this.statements.delete(name);
  }

  onStatementsDiscarded(): void {
    this.statements.clear();
  }

  onSettingsRejected(buf: Buffer, start: number, end: number): void {
    const f = readNoticeFields(buf, start, end);
    this.terminate(f.get('C') ?? SQLSTATE.ProtocolViolation, f.get('M') ?? 'the server refused a setting of this session');
  }

  onServerLost(reason: string): void {
    const conn = this.server;
    this.work.foldBytes(this.toServer, this.out);
    this.server = null;
    this.toServer = null;
    if (conn !== null) this.pool!.release(conn, false);
    this.terminate(SQLSTATE.ConnectionFailure, `server connection lost: ${reason}`);
  }

  onServerDrained(): void {
    if (!this.closed && this.socket.isPaused() && !this.waiting) this.socket.resume();
  }

  // --- Cancellable ---------------------------------------------------------------------------

  cancelRunningQuery(): void {
    if (this.server !== null && !this.server.idle) this.server.cancel();
  }

  // --- end of work and of the session -------------------------------------------------------

  /** Give the server back when the unit of work the pool mode defines is over. */
  private maybeRelease(): void {
    const conn = this.server;
    if (conn === null || this.mode === 'session' || !conn.idle || this.relay.syncPending || this.framer!.midMessage || this.closed) return;
    this.out.flush();
    this.detachServer(conn);
    this.pool!.release(conn, !conn.retire);
  }

  private detachServer(conn: PgServerConnection): void {
    this.toServer?.flush();
    this.work.foldBytes(this.toServer, this.out);
    this.server = null;
    this.toServer = null;
    conn.detach();
  }

  /** Send a FATAL error and close. */
  terminate(code: string, message: string): void {
    if (this.closed) return;
    this.out.send(errorResponse({ severity: 'FATAL', code, message }));
    this.close();
  }

  /** Warn without closing (e.g. a notice that LISTEN is not delivered in transaction mode). */
  notice(code: string, message: string): void {
    this.out.send(noticeResponse({ severity: 'WARNING', code, message }));
  }

  private protocolViolation(err: Error): void {
    this.ctx.log.info({ err: err.message, client: this.socket.remoteAddress }, 'client protocol violation; closing it');
    const message = err instanceof ProtocolError ? err.message : `invalid message: ${err.message}`;
    this.terminate(SQLSTATE.ProtocolViolation, message);
  }

  close(): void {
    if (this.closed) return;
    this.out.flush();
    this.socket.end();
    this.socket.destroySoon();
    this.onClientGone();
  }

  private onClientGone(): void {
    if (this.closed) return;
    this.closed = true;
    this.framer?.halt();
    this.login?.abort();
    this.ctx.sessions.delete(this);
    if (this.cancelPid !== 0) this.ctx.cancelKeys.unregister(this.cancelPid);
    if (this.source !== null) this.source.clients--;
    if (this.waiting) this.router!.cancelWait();
    const conn = this.server;
    if (conn === null) this.work.foldBytes(this.toServer, this.out);
    if (conn !== null) {
      // Mid-transaction or mid-message the server's state is the client's: never reuse it.
      const clean = conn.idle && !this.relay.syncPending && !this.framer!.midMessage && !conn.retire;
      this.detachServer(conn);
      this.pool!.release(conn, clean);
    }
  }
}
