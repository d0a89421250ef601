/**
 * A PostgreSQL client at the byte level, for tests that must control exactly what is written
 * and when (pipelines, Flush, several Syncs in one write, malformed input) and see every
 * message that comes back. Writes with pg-protocol's serializer; reads with its parser.
 */
import net from 'node:net';
import { serialize } from 'pg-protocol/dist/serializer';
import { Parser } from 'pg-protocol/dist/parser';
import { md5Response } from '../../src/wire/postgres/md5.js';
import { ScramClientSession } from '../../src/wire/postgres/scram.js';
import { TEST_PASSWORD, TEST_ROLE } from './postgres.js';

export { serialize };

/** A backend message as pg-protocol's parser decodes it; fields present per message kind. */
export interface Msg {
  name: string;
  length: number;
  /** error / notice */
  code?: string;
  message?: string;
  severity?: string;
  /** readyForQuery: 'I', 'T' or 'E' */
  status?: string;
  /** commandComplete tag */
  text?: string;
  /** dataRow values (text format) */
  fields?: (string | null)[];
  parameterName?: string;
  parameterValue?: string;
  processID?: number;
  secretKey?: number;
  channel?: string;
  payload?: string;
  chunk?: Buffer;
  mechanisms?: string[];
  data?: string;
  salt?: Buffer;
}

export interface LoginOptions {
  user?: string;
  password?: string;
  /** The Sluice source name; "app" as startSluice names it by default. */
  database?: string;
  /** Extra startup parameters (application_name, options, ...). */
  params?: Record<string, string>;
}

export class RawClient {
  readonly socket: net.Socket;
  /** Every message received, in order (also those already consumed by next()). */
  readonly received: Msg[] = [];
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  isClosed = false;
  private readonly parser = new Parser();
  private readonly inbox: Msg[] = [];
  private wake: (() => void) | null = null;
  private parseError: Error | null = null;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.parser.parse(chunk, (msg) => {
          const m = msg as unknown as Msg;
          this.received.push(m);
          this.inbox.push(m);
        });
      } catch (err) {
        this.parseError = err as Error;
      }
      this.notify();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.isClosed = true;
      this.notify();
      resolve();
    }));
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Open a TCP connection; nothing is sent. */
  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  /** Connect and log in (trust, md5 or SCRAM-SHA-256, whatever is asked); resolves after the first ReadyForQuery. */
  static async login(port: number, opts: LoginOptions = {}): Promise<RawClient> {
    const c = await RawClient.connect(port);
    try {
      await c.startup(opts);
    } catch (err) {
      c.destroy();
      throw err;
    }
    return c;
  }

  /** Run the startup and authentication exchange; throws with the server's message on an ErrorResponse. */
  async startup(opts: LoginOptions = {}): Promise<Msg[]> {
    const user = opts.user ?? TEST_ROLE;
    const password = opts.password ?? TEST_PASSWORD;
    this.write(serialize.startup({ user, database: opts.database ?? 'app', ...opts.params }));
    let scram: ScramClientSession | null = null;
    const seen: Msg[] = [];
    for (;;) {
      const m = await this.next();
      seen.push(m);
      switch (m.name) {
        case 'authenticationMD5Password':
          this.write(serialize.password(md5Response(user, password, m.salt!)));
          break;
        case 'authenticationCleartextPassword':
          this.write(serialize.password(password));
          break;
        case 'authenticationSASL':
          scram = new ScramClientSession(password);
          this.write(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', scram.clientFirst().toString('utf8')));
          break;
        case 'authenticationSASLContinue':
          this.write(serialize.sendSCRAMClientFinalMessage(scram!.handleServerFirst(Buffer.from(m.data!, 'utf8')).toString('utf8')));
          break;
        case 'authenticationSASLFinal':
          scram!.verifyServerFinal(Buffer.from(m.data!, 'utf8'));
          break;
        case 'error':
          throw Object.assign(new Error(m.message), { code: m.code });
        case 'readyForQuery':
          return seen;
        default:
          break;
      }
    }
  }

  write(...bufs: Buffer[]): void {
    this.socket.write(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs));
  }

  /** The next message; rejects on timeout or when the socket closes first. */
  async next(timeoutMs = 10_000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.parseError) throw this.parseError;
      const m = this.inbox.shift();
      if (m !== undefined) return m;
      if (this.isClosed) throw new Error(`connection closed while waiting for a message (received so far: ${this.received.map((r) => r.name).join(',')})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms (received so far: ${this.received.map((r) => r.name).join(',')})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => { clearTimeout(timer); resolve(); };
      });
    }
  }

  /** Messages up to and including the first one named `name` (or matching `pred`). */
  async until(pred: string | ((m: Msg) => boolean), timeoutMs = 10_000): Promise<Msg[]> {
    const match = typeof pred === 'string' ? (m: Msg) => m.name === pred : pred;
    const out: Msg[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await this.next(Math.max(1, deadline - Date.now()));
      out.push(m);
      if (match(m)) return out;
    }
  }

  /** Messages up to and including the next ReadyForQuery. */
  untilReady(timeoutMs = 10_000): Promise<Msg[]> { return this.until('readyForQuery', timeoutMs); }

  /** n ReadyForQuery messages' worth of responses. */
  async untilReadyN(n: number, timeoutMs = 10_000): Promise<Msg[]> {
    const out: Msg[] = [];
    for (let i = 0; i < n; i++) out.push(...await this.untilReady(timeoutMs));
    return out;
  }

  /** Simple query; returns its responses up to ReadyForQuery. */
  async query(sql: string, timeoutMs = 10_000): Promise<Msg[]> {
    this.write(serialize.query(sql));
    return this.untilReady(timeoutMs);
  }

  /** Messages received and not yet consumed, without waiting. */
  drain(): Msg[] { return this.inbox.splice(0); }

  /** Resolves true when the server closes the connection within timeoutMs. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); }),
    ]);
    clearTimeout(timer);
    return closed;
  }

  /** Terminate politely and wait for the close. */
  async end(): Promise<void> {
    if (!this.isClosed) {
      this.socket.end(serialize.end());
      await this.waitClosed(2000);
      this.socket.destroy();
    }
  }

  destroy(): void { this.socket.destroy(); }
}

/** Values of the data rows in a response, as text. */
export function rows(msgs: Msg[]): (string | null)[][] {
  return msgs.filter((m) => m.name === 'dataRow').map((m) => m.fields!);
}

/** Message names of a response, for compact assertions. */
export function names(msgs: Msg[]): string[] {
  return msgs.map((m) => m.name);
}

/** The first ErrorResponse in a response, if any. */
export function firstError(msgs: Msg[]): Msg | undefined {
  return msgs.find((m) => m.name === 'error');
}

/** Send a CancelRequest on a fresh connection, as a driver does. */
export function sendCancel(port: number, pid: number, secret: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.end(serialize.cancel(pid, secret)));
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}

/** A logged-in raw client that the test closes when it ends. */
export async function loginRaw(t: { teardown(fn: () => unknown): void }, port: number, opts: LoginOptions = {}): Promise<RawClient> {
  const c = await RawClient.login(port, opts);
  t.teardown(() => c.end());
  return c;
}
