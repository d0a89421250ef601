/**
 * One connection from Sluice to a PostgreSQL server. After login it relays the server's
 * responses to whichever client session owns it now, following the RequestQueue so that
 * Sluice's own requests stay invisible and answers it gave itself land in order.
 */
import net from 'node:net';
import type { Logger } from 'pino';
import type { PooledConnection } from '../../pool/types.js';
import type { RoutedHost } from '../../router/host-set.js';
import { CLOSE_COMPLETE, PARSE_COMPLETE, readyForQuery } from '../../wire/postgres/backend-messages.js';
import { B, TX_IDLE } from '../../wire/postgres/constants.js';
import { readParameterStatus } from '../../wire/postgres/fields.js';
import { type FrameHandler, MessageFramer } from '../../wire/postgres/framer.js';
import { serialize } from '../../wire/postgres/frontend-messages.js';
import { type ClientOutput, Forwarder } from './forwarder.js';
import { ServerStatementCache } from './prepared-statements.js';
import { Act, Req, RequestQueue } from './request-queue.js';
import { noteServerError } from './server-signals.js';
import { dialServer, type ServerConnectOptions } from './server-dial.js';
import type { ServerLogin } from './server-login.js';

/** The client session a server connection works for while leased. */
export interface ServerOwner {
  /** Writes towards the client. */
  readonly out: ClientOutput;
  /** A ParameterStatus arrived; `own` when it answers Sluice's SET rather than the client's work. */
  onParameterStatus(name: string, value: string, own: boolean, buf: Buffer, start: number, end: number): void;
  /** ReadyForQuery was relayed; `settled` when no further response is due. */
  onReadyForQuery(status: number, settled: boolean): void;
  /** The server confirmed a named statement (ParseComplete). */
  onStatementPrepared(serverName: string): void;
  /** A statement Sluice believed prepared failed to prepare. */
  onStatementFailed(serverName: string): void;
  /** The client's own DISCARD ALL or DEALLOCATE ALL ran: its statements are gone. */
  onStatementsDiscarded(): void;
  /** The server refused the client's session settings Sluice sent (ErrorResponse at buf[start, end)). */
  onSettingsRejected(buf: Buffer, start: number, end: number): void;
  /** The server connection broke while leased. */
  onServerLost(reason: string): void;
  /** The server can take more bytes again. */
  onServerDrained(): void;
}

let nextServerId = 1;
/** DISCARD ALL and DEALLOCATE ALL drop every prepared statement on the server. */
const TAG_DISCARD_ALL = Buffer.from('DISCARD ALL\0');
const TAG_DEALLOCATE_ALL = Buffer.from('DEALLOCATE ALL\0');

export class PgServerConnection implements PooledConnection, FrameHandler {
  readonly id = nextServerId++;
  readonly host: RoutedHost;
  readonly createdAt = Date.now();
  lastUsedAt = Date.now();
  closed = false;
  readonly socket: net.Socket;
  /** Towards this server, for whichever client holds the lease (Forwarder.retarget). */
  readonly input: Forwarder;
  /** Server-side values of session parameters: reported by the server or set by Sluice. */
  readonly params: Map<string, string>;
  /**
   * The settings token (parameters.ts) of the last client whose settings were sent here, while
   * nothing else has changed the server's settings since; null when unknown.
   */
  syncedWith: object | null = null;
  /** Names the server reports through ParameterStatus (the ones it sent at login). */
  private readonly reported: Set<string>;
  readonly backendPid: number;
  readonly backendSecret: number;
  readonly statements: ServerStatementCache;
  readonly queue = new RequestQueue();
  txStatus = TX_IDLE;
  owner: ServerOwner | null = null;
  /** Set when the pool should not reuse this connection (operator reconnect, credentials changed). */
  retire = false;
  private readonly framer: MessageFramer;
  private readonly log: Logger;

  private constructor(socket: net.Socket, opts: ServerConnectOptions, login: ServerLogin) {
    this.socket = socket;
    this.host = opts.host;
    this.params = login.params;
    this.reported = new Set(login.params.keys());
    this.backendPid = login.backendPid;
    this.backendSecret = login.backendSecret;
    this.statements = new ServerStatementCache(opts.maxPreparedStatements);
    this.log = opts.log;
    this.framer = new MessageFramer(this, opts.maxMessageSize);
    this.input = new Forwarder(socket);
    socket.on('drain', () => this.owner?.onServerDrained());
    socket.on('close', () => this.onClose());
    socket.on('error', (err) => this.log.debug({ err, server: this.id }, 'server socket error'));
  }

  /** Open a socket and log in (over TLS when server_tls says so). Rejects with ServerConnectError. */
  static async connect(opts: ServerConnectOptions): Promise<PgServerConnection> {
    const dialed = await dialServer(opts);
    const conn = new PgServerConnection(dialed.socket, opts, dialed.login);
    dialed.deliverTo((chunk) => conn.onData(chunk));
    return conn;
  }

  /** True when the server has answered everything and sits outside a transaction. */
  get idle(): boolean { return this.queue.empty && this.txStatus === TX_IDLE; }

  /** Owned means in flight: the host's health counts it for its load score. */
  attach(owner: ServerOwner): void {
    if (this.owner === null) this.host.health.begin();
    this.owner = owner;
  }

  detach(): void {
    if (this.owner !== null) this.host.health.end();
    this.owner = null;
    if (this.socket.isPaused()) this.socket.resume();
  }

  /** Write towards the server; false when its buffer is full. */
  write(data: Buffer): boolean { return this.socket.write(data); }

  /**
   * Sluice's own simple query inside a client's turn (parameter sync): queued as Skip so its
   * responses never reach the client. Returns the bytes for the caller to write in order.
   */
  ownQuery(sql: string): Buffer {
    this.queue.push(Req.Query, Act.Skip);
    return serialize.query(sql);
  }

  /** Close a statement to make room in the LRU; the CloseComplete is swallowed. Returns the bytes. */
  ownClose(serverName: string): Buffer {
    this.queue.push(Req.Close, Act.Skip, serverName);
    return serialize.close({ type: 'S', name: serverName });
  }

  /** Send a cancel for this connection's running query over a new socket, as PostgreSQL requires. */
  cancel(): void {
    const s = net.connect({ host: this.host.host, port: this.host.port }, () => s.end(serialize.cancel(this.backendPid, this.backendSecret)));
    s.on('error', (err) => this.log.debug({ err, server: this.id }, 'cancel request failed'));
    s.setTimeout(5000, () => s.destroy());
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.framer.halt();
    this.log.debug({ server: this.id, host: this.host.key, reason }, 'closing server connection');
    if (!this.socket.destroyed) this.socket.end(serialize.end());
    this.socket.destroySoon();
  }

  private onClose(): void {
    const wasClosed = this.closed;
    this.closed = true;
    const owner = this.owner;
    this.owner = null;
    if (owner !== null) this.host.health.end();
    if (owner !== null && !wasClosed) owner.onServerLost(`server ${this.host.key} closed the connection`);
    this.onClosed?.(this);
  }

  /** Set by the pool glue: the connection is gone and must leave the pool. */
  onClosed: ((conn: PgServerConnection) => void) | null = null;

  /** Bytes from the server (through server-dial.ts's ReusedReadBuffer, never kept past this call). */
  onData(chunk: Buffer): void {
    try {
      this.framer.push(chunk);
    } catch (err) {
      this.log.warn({ err, server: this.id }, 'protocol error from server; closing it');
      this.owner?.onServerLost(`protocol error from server ${this.host.key}: ${(err as Error).message}`);
      this.owner = null;
      this.close('protocol error');
      return;
    }
    this.owner?.out.flush();
  }

  wantsStream(type: number): boolean {
    return this.owner !== null && (type === B.DataRow || type === B.CopyData) && this.queue.headAct() !== Act.Skip;
  }

  onStreamData(buf: Buffer, start: number, end: number): void {
    this.owner?.out.forward(buf, start, end);
  }

  onMessage(type: number, buf: Buffer, start: number, end: number): void {
    const owner = this.owner;
    if (owner === null) {
      this.onUnownedMessage(type, buf, start, end);
      return;
    }
    const q = this.queue;
    switch (type) {
      case B.ParameterStatus: {
        const [name, value] = readParameterStatus(buf, start, end);
        this.params.set(name, value);
        if (q.headAct() !== Act.Skip) this.syncedWith = null;
        owner.onParameterStatus(name, value, q.headAct() === Act.Skip, buf, start, end);
        return;
      }
      case B.ReadyForQuery: {
        this.txStatus = buf[start + 5]!;
        if (q.headAct() !== Act.Skip) owner.out.forward(buf, start, end);
        q.shift();
        this.answerFakes(owner);
        owner.onReadyForQuery(this.txStatus, q.empty);
        return;
      }
      case B.ErrorResponse: this.onError(owner, buf, start, end); return;
      case B.ParseComplete: {
        const name = q.headName();
        if (name !== null) owner.onStatementPrepared(name);
        this.completeHead(owner, buf, start, end);
        return;
      }
      case B.BindComplete:
      case B.CloseComplete:
        this.completeHead(owner, buf, start, end);
        return;
      case B.NoData:
      case B.RowDescription:
        if (q.headKind() === Req.Describe) this.completeHead(owner, buf, start, end);
        else this.relay(owner, buf, start, end);
        return;
      case B.CommandComplete:
        if (end - start === 5 + TAG_DISCARD_ALL.length || end - start === 5 + TAG_DEALLOCATE_ALL.length) this.noticeDiscard(owner, buf, start, end);
        if (q.headKind() === Req.Execute) this.completeHead(owner, buf, start, end);
        else this.relay(owner, buf, start, end);
        return;
      case B.EmptyQueryResponse:
      case B.PortalSuspended:
        if (q.headKind() === Req.Execute) this.completeHead(owner, buf, start, end);
        else this.relay(owner, buf, start, end);
        return;
      default:
        this.relay(owner, buf, start, end);
    }
  }

  private relay(owner: ServerOwner, buf: Buffer, start: number, end: number): void {
    if (this.queue.headAct() !== Act.Skip) owner.out.forward(buf, start, end);
  }

  private completeHead(owner: ServerOwner, buf: Buffer, start: number, end: number): void {
    this.relay(owner, buf, start, end);
    this.queue.shift();
    this.answerFakes(owner);
  }

  /** Answer, in order, the requests Sluice took on itself that are now due. */
  private answerFakes(owner: ServerOwner): void {
    const q = this.queue;
    while (q.headAct() === Act.Fake) {
      const kind = q.headKind();
      const payload = q.headPayload();
      q.shift();
      this.answerFake(owner, kind, payload);
    }
  }

  /**
   * A request Sluice answers itself: at once when nothing is due before it, otherwise in
   * turn. A fake Query (payload, then ReadyForQuery) keeps the transaction status as it is.
   */
  fake(owner: ServerOwner, kind: Req, payload: Buffer | null = null): void {
    if (this.queue.empty) this.answerFake(owner, kind, payload);
    else this.queue.push(kind, Act.Fake, null, payload);
  }

  private answerFake(owner: ServerOwner, kind: number, payload: Buffer | null): void {
    if (kind === Req.Parse) owner.out.send(PARSE_COMPLETE);
    else if (kind === Req.Close) owner.out.send(CLOSE_COMPLETE);
    else if (kind === Req.Query) {
      if (payload !== null) owner.out.send(payload);
      owner.out.send(readyForQuery(this.txStatus));
    }
  }

  private onError(owner: ServerOwner, buf: Buffer, start: number, end: number): void {
    const q = this.queue;
    if (q.headKind() === Req.Query && q.headAct() === Act.Skip) {
      // The parameter sync failed: an error in the middle of the client's own response would
      // break its driver, so the client is refused instead, as PostgreSQL refuses a bad startup option.
      // What Sluice believed it had set is unknown now.
      this.syncedWith = null;
      owner.onSettingsRejected(buf, start, end);
      return;
    }
    // Errors always reach the client, Sluice's own requests included: a failed re-prepare is
    // the client's business.
    owner.out.forward(buf, start, end);
    noteServerError(this.host.health, buf, start, end);
    if (q.headKind() === Req.Query || q.empty) return;
    // Extended protocol: the failed request and everything after it up to Sync never ran.
    let restored: Set<string> | null = null;
    while (!q.empty && q.headKind() !== Req.Sync) {
      const name = q.headName();
      const kind = q.headKind(), act = q.headAct();
      if (name !== null && kind === Req.Parse && act !== Act.Fake) {
        // Unless an eviction Close of it was skipped too, the server does not have it.
        if (restored === null || !restored.has(name)) this.statements.delete(name);
        // The client's own Parse failed: its statement does not exist. A re-prepare Sluice
        // made for it: the client's statement still does, and its next use prepares again.
        if (act === Act.Forward) owner.onStatementFailed(name);
      } else if (name !== null && kind === Req.Close && act === Act.Skip) {
        this.statements.restore(name);
        (restored ??= new Set()).add(name);
      }
      q.shift();
    }
  }

  private noticeDiscard(owner: ServerOwner, buf: Buffer, start: number, end: number): void {
    const tag = buf.subarray(start + 5, end);
    if (tag.equals(TAG_DISCARD_ALL) || tag.equals(TAG_DEALLOCATE_ALL)) {
      this.statements.clear();
      if (this.queue.headAct() === Act.Forward) owner.onStatementsDiscarded();
      // RESET ALL re-reports the reported settings that change; the ones Sluice set itself
      // and the server does not report are back at their defaults, so forget them.
      this.syncedWith = null;
      if (tag.equals(TAG_DISCARD_ALL)) for (const name of this.params.keys()) if (!this.reported.has(name)) this.params.delete(name);
    }
  }

  /** Messages while idle in the pool: keep ParameterStatus; anything else means trouble. */
  private onUnownedMessage(type: number, buf: Buffer, start: number, end: number): void {
    if (type === B.ParameterStatus) {
      const [name, value] = readParameterStatus(buf, start, end);
      this.params.set(name, value);
      this.syncedWith = null;
    } else if (type === B.ErrorResponse) {
      this.retire = true;
      noteServerError(this.host.health, buf, start, end);
    } else if (type === B.ReadyForQuery) {
      // Answer to a query of Sluice's own with no owner (reset during release).
      this.txStatus = buf[start + 5]!;
      this.queue.shift();
    }
  }
}


