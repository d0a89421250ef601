/**
 * One connection from Sluice to a Redis server. Commands from many sinks are
 * written in arrival order and the replies routed back by a FIFO (ReplyQueue) and the reply
 * splitter. Writes made within one event-loop turn leave in one batch: the socket is corked
 * at the first and uncorked from setImmediate, after every client read of that turn.
 */
import net from 'node:net';
import type { Logger } from 'pino';
import { RespProtocolError, ServerConnectError, ServerLostError } from '../../errors.js';
import type { HostTarget, PooledConnection } from '../../pool/types.js';
import { RespReplySplitter, type RespVersion } from '../../wire/redis/index.js';
import { ReplyQueue, type ReplySink } from './reply-queue.js';
import { encodeCommand } from './encode.js';
import type { RedisServerCredentials } from '../../config/types.js';

let nextServerId = 1;
const MINUS = 0x2d;

export interface RedisConnectOptions {
  host: HostTarget;
  version: RespVersion;
  credentials: RedisServerCredentials | undefined;
  /** CLIENT SETNAME on the server, so operators tell Sluice's connections apart in CLIENT LIST. */
  name: string;
  timeoutMs: number;
  log: Logger;
}

export class RedisServerConnection implements PooledConnection {
  readonly id = nextServerId++;
  readonly host: HostTarget;
  readonly createdAt = Date.now();
  lastUsedAt = Date.now();
  closed = false;
  /** The server's redis_version, learnt from the HELLO reply at login. */
  serverVersion = '';
  /** Redis's id for this connection (CLIENT LIST id=, CLIENT KILL ID), from the HELLO reply; 0 until login. */
  serverClientId = 0;
  /** Replies nobody asked for (push frames, MONITOR lines, pub/sub messages in RESP2). */
  onUnsolicited: ((reply: Buffer) => void) | null = null;
  onClose: ((conn: RedisServerConnection) => void) | null = null;
  /** The server (or the network) ended the connection, not Sluice: a health signal for its host. */
  onServerGone: (() => void) | null = null;
  readonly queue = new ReplyQueue();
  private readonly socket: net.Socket;
  private readonly splitter = new RespReplySplitter();
  private readonly log: Logger;
  private corked = false;
  /** Bytes of an unsolicited reply cut by a chunk's end. */
  private partial: Buffer[] | null = null;

  private constructor(socket: net.Socket, host: HostTarget, log: Logger) {
    this.socket = socket;
    this.host = host;
    this.log = log;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.log.debug({ err, server: this.id }, 'redis server socket error'));
    socket.on('close', () => {
      if (!this.closed) this.onServerGone?.();
      this.lost('the server closed the connection');
    });
  }

  /** Connect and log in with HELLO (protocol version, AUTH): one round trip. */
  static connect(options: RedisConnectOptions): Promise<RedisServerConnection> {
    const { host, timeoutMs, log } = options;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: host.host, port: host.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ServerConnectError(`connect to redis ${host.key} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new ServerConnectError(`cannot connect to redis ${host.key}: ${err.message}`, { cause: err }));
      });
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        const conn = new RedisServerConnection(socket, host, log);
        conn.request(helloCommand(options)).then((reply) => {
          clearTimeout(timer);
          const text = reply.toString('latin1');
          conn.serverVersion = /version\r\n\$\d+\r\n([^\r]*)/.exec(text)?.[1] ?? '';
          conn.serverClientId = Number(/\bid\r\n:(\d+)\r\n/.exec(text)?.[1] ?? 0);
          resolve(conn);
        }, (err: unknown) => {
          clearTimeout(timer);
          conn.close('login failed');
          const message = err instanceof Error ? err.message : String(err);
          reject(new ServerConnectError(`redis ${host.key} refused Sluice's login: ${message}`, { refused: true }));
        });
      });
    });
  }

  /** Write a command (or a pipelined run of them) whose `count` replies go to `sink`. */
  send(sink: ReplySink, bytes: Buffer, count: number): void {
    if (this.closed) {
      sink.serverLost(count);
      return;
    }
    this.queue.push(sink, count);
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(this.uncork);
    }
    this.socket.write(bytes);
  }

  /** Write bytes whose replies nobody waits for (they arrive as unsolicited frames). */
  write(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** Sluice's own command; resolves with its reply, rejects on an error reply or a lost connection. */
  request(bytes: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      this.send({
        deliver(chunk, replies) {
          parts.push(Buffer.from(chunk));
          if (replies === 0) return;
          const reply = Buffer.concat(parts);
          if (reply[0] === MINUS) reject(new ServerLostError(reply.toString('utf8', 1).trim()));
          else resolve(reply);
        },
        serverLost() { reject(new ServerLostError('the redis server connection closed')); },
      }, bytes, 1);
    });
  }

  close(reason: string): void {
    if (this.closed) return;
    this.log.debug({ server: this.id, reason }, 'closing redis server connection');
    this.socket.destroy();
    this.lost(reason);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  private lost(reason: string): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.socket.destroy();
    this.log.info({ server: this.id, host: this.host.key, reason }, 'redis server connection closed');
    this.queue.drain((sink, owed) => sink.serverLost(owed));
    this.onClose?.(this);
  }

  /**
   * Route each reply in the chunk. Consecutive replies for the same sink leave in one
   * delivery (one client write for a pipelined run); a reply cut by the chunk's end is
   * delivered as far as it goes and continues with the next chunk.
   */
  private onData(buf: Buffer): void {
    const len = buf.length;
    let pos = 0;
    let runSink: ReplySink | null = null;
    let runStart = 0;
    let runReplies = 0;
    try {
      while (pos < len) {
        const end = this.splitter.scan(buf, pos, len);
        const stop = end < 0 ? len : end;
        const sink = this.partial !== null || this.splitter.push ? null : this.queue.peek();
        if (sink === null) {
          if (runSink !== null) { runSink.deliver(buf.subarray(runStart, pos), runReplies, true); runSink = null; }
          this.unsolicited(buf.subarray(pos, stop), end >= 0);
        } else {
          if (sink !== runSink) {
            if (runSink !== null) runSink.deliver(buf.subarray(runStart, pos), runReplies, true);
            runSink = sink;
            runStart = pos;
            runReplies = 0;
          }
          if (end >= 0) {
            runReplies++;
            this.queue.shiftOne();
          }
        }
        if (end < 0) break;
        pos = end;
      }
      if (runSink !== null) runSink.deliver(buf.subarray(runStart, len), runReplies, pos === len);
    } catch (err) {
      if (!(err instanceof RespProtocolError)) throw err;
      this.log.warn({ server: this.id, err }, 'redis server sent bytes that are not RESP; closing the connection');
      this.close('protocol error from server');
    }
  }

  private unsolicited(bytes: Buffer, complete: boolean): void {
    if (!complete) {
      (this.partial ??= []).push(Buffer.from(bytes));
      return;
    }
    let reply = bytes;
    if (this.partial !== null) {
      this.partial.push(bytes);
      reply = Buffer.concat(this.partial);
      this.partial = null;
    }
    this.onUnsolicited?.(reply);
  }
}

function helloCommand({ version, credentials, name }: RedisConnectOptions): Buffer {
  const args = ['HELLO', String(version)];
  if (credentials) args.push('AUTH', credentials.user ?? 'default', credentials.password);
  args.push('SETNAME', name);
  return encodeCommand(args);
}
