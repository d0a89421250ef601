/**
 * One connection from Sluice to a MySQL/MariaDB server. While leased, its packets go to the
 * client session (the sink) as views of the socket's chunks; between a client's commands
 * Sluice runs its own (session replay, schema, re-prepare, reset, ping) through run().
 * The connection keeps what it knows of its server session: schema, replayed SET statements,
 * LAST_INSERT_ID and the prepared statements it holds.
 */
import { tlsDescription } from '../tls/tls-description.js';
import net from 'node:net';
import type { Logger } from 'pino';
import { MysqlProtocolError, ServerConnectError, ServerLostError, type SluiceError } from '../../errors.js';
import type { PooledConnection } from '../../pool/types.js';
import type { RoutedHost } from '../../router/host-set.js';
import {
  COM_QUIT, ERR_HEADER, type ErrPacket, HEADER_SIZE, PACKET_DATA, PACKET_FIRST, PACKET_LAST, PacketFramer, ResponseTracker,
  framePayload, parseErr,
} from '../../wire/mysql/index.js';
import { PacketQueue } from './packet-queue.js';
import { type ClientProfile, type ServerCredentials, type ServerLogin, serverChangeUser, serverLogin } from './server-login.js';
import { ConnectionStatements } from './statements.js';
import { connectServerTls, serverTlsError } from '../tls/server-tls-connect.js';
import type { ServerTlsOptions } from '../tls/tls-contexts.js';

let nextServerId = 1;

export interface ServerSink {
  /** A packet of the answer to the client's command, header included; `done` when it ends the response. */
  onServerPacket(buf: Buffer, start: number, end: number, part: number, done: boolean): void;
  onServerLost(err: SluiceError): void;
  /** The chunk that carried the last packets is done: write out what was gathered. */
  onServerChunkEnd(): void;
}

export interface OwnResult {
  err: ErrPacket | null;
  /** From a prepare OK. */
  statementId: number;
  /** The payload of the last data packet (a query's last row), kept only when asked for. */
  lastData: Buffer | null;
  /** Every data packet's payload, in order, when run() was asked to keep them all. */
  data: Buffer[] | null;
}

/** What run() keeps of a result set: nothing, the last data packet, or every data packet (column definitions included). */
export type KeepData = 'none' | 'last' | 'all';

export interface ServerConnectOptions {
  host: RoutedHost;
  creds: ServerCredentials;
  profile: ClientProfile;
  timeoutMs: number;
  maxPayload: number;
  maxPreparedStatements: number;
  /** The source's server_tls (tls/server-tls-connect.ts serverTlsFor); null: plain text. */
  tls: ServerTlsOptions | null;
  log: Logger;
}

const QUIT = framePayload(Buffer.from([COM_QUIT]), 0);

export class MysqlServerConnection implements PooledConnection {
  readonly id = nextServerId++;
  /** With its health, which learns each answered command's latency (client-session.ts). */
  readonly host: RoutedHost;
  readonly createdAt = Date.now();
  lastUsedAt = Date.now();
  closed = false;
  serverVersion = '';
  capabilities = 0;
  tracker: ResponseTracker = new ResponseTracker(0);
  sink: ServerSink | null = null;
  onClosed: ((c: MysqlServerConnection) => void) | null = null;
  /** Current schema of the server session. */
  schema: string;
  /** Key of the SET statements replayed on it ('' when its session variables are the defaults). */
  stateKey = '';
  /** What LAST_INSERT_ID() returns on it. */
  lastInsertId = 0n;
  readonly statements: ConnectionStatements;
  /** The TCP socket, or TLS over it once the login has started TLS. */
  private socket: net.Socket;
  private readonly framer: PacketFramer;
  private readonly log: Logger;
  private login: PacketQueue | null = new PacketQueue();
  /** What the login used and learned: COM_CHANGE_USER authenticates the same way. */
  private loggedIn: { creds: ServerCredentials; login: ServerLogin; charset: number } | null = null;
  private own: { resolve: (r: OwnResult) => void; reject: (e: Error) => void; err: ErrPacket | null; keep: KeepData; lastData: Buffer | null; data: Buffer[] | null } | null = null;

  /** For the admin views' tls column. */
  get tls(): string { return tlsDescription(this.socket); }

  private constructor(socket: net.Socket, o: ServerConnectOptions) {
    this.socket = socket;
    this.host = o.host;
    this.log = o.log;
    this.schema = o.creds.database;
    this.statements = new ConnectionStatements(o.maxPreparedStatements);
    this.framer = new PacketFramer(this, o.maxPayload);
    socket.setNoDelay(true);
    this.listen(socket);
  }

  private readonly onData = (chunk: Buffer): void => {
    // Taken first: the chunk may end the response and release the connection.
    const sink = this.sink;
    try {
      this.framer.push(chunk);
    } catch (err) {
      this.lose(err instanceof MysqlProtocolError ? err : new ServerLostError(String(err)));
    }
    sink?.onServerChunkEnd();
  };

  private readonly onError = (err: Error): void => { this.log.debug({ err, server: this.id }, 'mysql server socket error'); };
  private readonly onClose = (): void => { this.lose(new ServerLostError(`server ${this.host.key} closed the connection`)); };

  private listen(socket: net.Socket): void {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /**
   * The login's switch to TLS, right after its SSLRequest: from here the TLS socket reads the
   * TCP one and the packets come from it. Resolves when the handshake is done.
   */
  private startTls(options: ServerTlsOptions): Promise<void> {
    const raw = this.socket;
    raw.off('data', this.onData);
    raw.off('close', this.onClose);
    const secure = connectServerTls(raw, options, this.host.host);
    this.socket = secure;
    this.listen(secure);
    return new Promise((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', (err) => reject(serverTlsError(err, options, this.host.key)));
      secure.once('close', () => reject(new ServerConnectError(`server ${this.host.key} closed the connection during the TLS handshake`)));
    });
  }

  static connect(o: ServerConnectOptions): Promise<MysqlServerConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: o.host.host, port: o.host.port });
      const conn = new MysqlServerConnection(socket, o);
      const timer = setTimeout(() => {
        conn.close('connect timeout');
        reject(new ServerConnectError(`connect to ${o.host.key} timed out after ${o.timeoutMs} ms`));
      }, o.timeoutMs);
      socket.once('error', (err) => conn.login?.fail(new ServerConnectError(`connect to ${o.host.key}: ${err.message}`, { cause: err })));
      const tls = o.tls === null || o.tls.mode === 'disable' ? null : { mode: o.tls.mode, start: () => conn.startTls(o.tls!) };
      serverLogin(conn.login!, (b) => conn.socket.write(b), o.creds, o.profile, tls, o.host.key).then((r) => {
        clearTimeout(timer);
        conn.login = null;
        conn.loggedIn = { creds: o.creds, login: r, charset: o.profile.charset };
        conn.serverVersion = r.greeting.serverVersion;
        conn.capabilities = r.capabilities;
        conn.tracker = new ResponseTracker(r.capabilities, r.mariadbCapabilities, r.statusFlags);
        resolve(conn);
      }, (err: unknown) => {
        clearTimeout(timer);
        conn.close('login failed');
        reject(err instanceof ServerConnectError ? err : new ServerConnectError(`login to ${o.host.key}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      });
    });
  }

  /** Forward packets the client sent (whole, header included). */
  write(buf: Buffer): boolean { return this.socket.write(buf); }
  pause(): void { this.socket.pause(); }
  resume(): void { this.socket.resume(); }

  /**
   * Run a command of Sluice's own and wait for the whole answer; rejects when the connection
   * is lost. `keep` 'last' keeps the last data packet, for a one-row query's answer; 'all'
   * keeps every data packet in `data`, for a result read by column name.
   */
  run(payload: Buffer, keep: KeepData = 'none'): Promise<OwnResult> {
    if (this.closed) return Promise.reject(new ServerLostError('server connection closed'));
    return new Promise((resolve, reject) => {
      this.own = { resolve, reject, err: null, keep, lastData: null, data: keep === 'all' ? [] : null };
      if (!this.tracker.begin(payload[0]!)) {
        this.own = null;
        resolve({ err: null, statementId: 0, lastData: null, data: null });
      }
      this.socket.write(framePayload(payload, 0));
    });
  }

  /**
   * Leave the current schema (COM_CHANGE_USER to the same user, no schema), for a client that
   * named none. Drops the session state as COM_RESET_CONNECTION does. A refusal closes the
   * connection (the server's session is in doubt) and rejects, as a lost connection does.
   */
  async leaveSchema(): Promise<void> {
    if (this.closed || this.loggedIn === null) throw new ServerLostError('server connection closed');
    const queue = new PacketQueue();
    this.login = queue;
    try {
      const { creds, login, charset } = this.loggedIn;
      await serverChangeUser(queue, (b) => this.socket.write(b), creds, login, charset);
    } catch (err) {
      this.close(`COM_CHANGE_USER failed: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    } finally {
      if (this.login === queue) this.login = null;
    }
    this.schema = '';
    this.stateKey = '';
    this.lastInsertId = 0n;
    this.statements.clear();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.log.debug({ server: this.id, reason }, 'closing mysql server connection');
    // A logged-in session says goodbye, so the server does not count an aborted connection.
    const polite = this.login === null && this.own === null && this.tracker.done;
    this.lose(new ServerLostError(reason), polite);
  }

  private lose(err: SluiceError, polite = false): void {
    if (this.closed) return;
    this.closed = true;
    if (polite && !this.socket.destroyed) {
      this.socket.end(QUIT);
      this.socket.setTimeout(1000, () => this.socket.destroy());
    } else {
      this.socket.destroy();
    }
    this.login?.fail(err);
    const own = this.own;
    this.own = null;
    own?.reject(err);
    const sink = this.sink;
    this.sink = null;
    sink?.onServerLost(err);
    this.onClosed?.(this);
  }

  // PacketHandler
  onPacket(seq: number, buf: Buffer, start: number, end: number, part: number): void {
    if (this.login !== null) {
      this.login.push(seq, buf, start, end);
      return;
    }
    let done = false;
    if (part & PACKET_FIRST) {
      done = this.tracker.onPacket(buf, start + HEADER_SIZE, end, end - start - HEADER_SIZE);
    }
    const own = this.own;
    if (own !== null) {
      if (part & PACKET_FIRST && buf[start + HEADER_SIZE] === ERR_HEADER && done) own.err = parseErr(buf.subarray(start + HEADER_SIZE, end));
      if (own.keep !== 'none' && this.tracker.lastPacket === PACKET_DATA) {
        own.lastData = Buffer.from(buf.subarray(start + HEADER_SIZE, end));
        own.data?.push(own.lastData);
      }
      if (done && part & PACKET_LAST) {
        this.own = null;
        own.resolve({ err: own.err, statementId: this.tracker.statementId, lastData: own.lastData, data: own.data });
      }
      return;
    }
    if (this.sink === null) {
      this.lose(new MysqlProtocolError('server sent a packet nobody asked for'));
      return;
    }
    this.sink.onServerPacket(buf, start, end, part, done);
  }

  wantsStream(): boolean { return false; }
  onStreamData(): void { /* wantsStream refuses every stream */ }
}
