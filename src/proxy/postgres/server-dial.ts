/**
 * Dialling a PostgreSQL server: TCP connect, the SSLRequest and TLS handshake when server_tls
 * asks for them, and the login (ServerLogin), bounded by server_connect_timeout. What comes
 * out is a socket in the ready state and the login's findings; PgServerConnection takes over.
 */
import net from 'node:net';
import type { Logger } from 'pino';
import { ServerConnectError } from '../../errors.js';
import type { RoutedHost } from '../../router/host-set.js';
import { MessageFramer } from '../../wire/postgres/framer.js';
import { writeRetention } from './forwarder.js';
import { type ServerCredentials, ServerLogin } from './server-login.js';
import { connectServerTls, SSL_REQUEST, sslAnswer } from './server-tls.js';
import type { ServerTlsOptions } from '../tls/tls-contexts.js';

export interface ServerConnectOptions {
  host: RoutedHost;
  /** Shown in pg_stat_activity until a client's own setting replaces it; 'sluice' by default. */
  applicationName?: string;
  creds: ServerCredentials;
  timeoutMs: number;
  maxPreparedStatements: number;
  maxMessageSize: number;
  log: Logger;
  /** server_tls of the source (server-tls.ts serverTlsFor); absent or null: plain text. */
  tls?: ServerTlsOptions | null;
}

/** A logged-in server socket; `deliverTo` says where its bytes go from now on. */
export interface DialedServer {
  socket: net.Socket;
  login: ServerLogin;
  deliverTo(onData: (chunk: Buffer) => void): void;
}

const READ_BUFFER_SIZE = 64 * 1024;

/**
 * Reads from a server socket into one reused buffer (Node's `onread`), sparing the per-read
 * Buffer and stream push that cost measurable CPU per transaction. Bytes are handed on as
 * views; when a write could not leave at once (writeRetention) a socket still holds some of
 * them, so the next read gets a fresh buffer instead of overwriting queued data.
 */
class ReusedReadBuffer {
  private buf = Buffer.allocUnsafe(READ_BUFFER_SIZE);

  take(): Buffer { return this.buf; }

  read(buf: Buffer, n: number, deliver: (chunk: Buffer) => void): void {
    writeRetention.retained = false;
    deliver(buf.subarray(0, n));
    if (writeRetention.retained) this.buf = Buffer.allocUnsafe(READ_BUFFER_SIZE);
  }
}

/** Connect and log in. Rejects with ServerConnectError. */
export function dialServer(opts: ServerConnectOptions): Promise<DialedServer> {
  return new Promise((resolve, reject) => {
    const reader = new ReusedReadBuffer();
    const toLogin = (chunk: Buffer): void => {
      try { loginFramer.push(chunk); } catch (err) { fail(err as Error); }
    };
    let deliver = toLogin;
    const socket = net.connect({
      host: opts.host.host, port: opts.host.port, noDelay: true,
      onread: { buffer: () => reader.take(), callback: (n: number, buf: Uint8Array) => { reader.read(buf as Buffer, n, deliver); return true; } },
    });
    socket.setNoDelay(true);
    /** What the login talks over: the socket, or TLS over it. */
    let wire: net.Socket = socket;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      wire.destroy();
      socket.destroy();
      reject(err instanceof ServerConnectError ? err : new ServerConnectError(`cannot connect to ${opts.host.key}: ${err.message}`, { cause: err }));
    };
    const closedEarly = (): void => fail(new ServerConnectError(`server ${opts.host.key} closed the connection during login`));
    const timer = setTimeout(() => fail(new ServerConnectError(`connecting to ${opts.host.key} timed out after ${opts.timeoutMs} ms (server_connect_timeout)`)), opts.timeoutMs);
    const login = new ServerLogin(opts.creds, (b) => wire.write(b));
    const startup = (): void => { wire.write(login.startupMessage(opts.applicationName ?? 'sluice')); };
    const loginFramer = new MessageFramer({
      onMessage(type, buf, start, end) {
        if (settled) return;
        if (!login.onMessage(type, buf, start, end)) return;
        settled = true;
        clearTimeout(timer);
        for (const s of [socket, wire]) {
          s.off('error', fail);
          s.off('close', closedEarly);
        }
        socket.off('connect', onConnect);
        // Until the new owner says where, bytes (there should be none before its first
        // request) are dropped rather than fed to the finished login.
        deliver = () => {};
        resolve({ socket: wire, login, deliverTo(onData) { deliver = onData; } });
      },
      wantsStream: () => false,
      onStreamData() {},
    }, opts.maxMessageSize);
    const tlsOptions = opts.tls ?? null;
    const onSslAnswer = (answer: Buffer): void => {
      deliver = toLogin;
      try {
        if (sslAnswer(answer, tlsOptions!, opts.host.key) === 'plain') {
          startup();
          return;
        }
      } catch (err) {
        fail(err as Error);
        return;
      }
      const secure = connectServerTls(socket, tlsOptions!, opts.host.host);
      wire = secure;
      // TLS reads the socket itself from here; its plaintext arrives as 'data'.
      secure.on('data', (chunk: Buffer) => deliver(chunk));
      secure.on('secureConnect', startup);
      secure.on('error', fail);
      secure.on('close', closedEarly);
    };
    const onConnect = (): void => {
      if (tlsOptions === null) {
        startup();
        return;
      }
      deliver = onSslAnswer;
      socket.write(SSL_REQUEST);
    };
    socket.on('connect', onConnect);
    socket.on('error', fail);
    socket.on('close', closedEarly);
  });
}
