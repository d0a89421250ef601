/**
 * Start a real Sluice gateway in the test process with one Redis source on an ephemeral port,
 * in front of the machine's Redis (127.0.0.1:6379), from YAML so the real loader is exercised.
 */
import net from 'node:net';
import pino from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;

export interface TestRedisSluice {
  gateway: Gateway;
  port: number;
  stop(): Promise<void>;
}

export interface TestRedisOptions {
  /** YAML flow list of users, e.g. "[{ name: default, password: pw }]". */
  users?: string;
  /** YAML flow mapping inside pool, e.g. "shared_connections: 1". */
  pool?: string;
  /** Extra YAML lines in the source mapping. */
  extra?: string;
  /** Leave out the default hosts (the extra lines give them). */
  omitHosts?: boolean;
  /** Top-level YAML lines, e.g. an audit section. */
  top?: string;
}

export async function startRedisSluice(o: TestRedisOptions = {}): Promise<TestRedisSluice> {
  const yaml = `${o.top ?? ''}
sources:
  cache:
    kind: redis
    listen: 127.0.0.1:0
${o.omitHosts ? '' : `    hosts: [{ host: ${REDIS_HOST}, port: ${REDIS_PORT} }]\n`}    users: ${o.users ?? '[]'}
    pool: { ${o.pool ?? ''} }
${o.extra ? `    ${o.extra}\n` : ''}`;
  const config = await parseConfig(yaml, 'test');
  const gateway = new Gateway(config, pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }));
  await gateway.start();
  const port = gateway.redis.address('cache')!.port;
  return { gateway, port, stop: () => gateway.shutdown(2000) };
}

/** A raw RESP connection: write bytes, read until `until` matches what arrived. */
export class RawRedis {
  readonly socket: net.Socket;
  private received = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<RawRedis> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(new RawRedis(s)));
      s.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Everything received once `done(text)` holds or the socket closed; fails after timeoutMs. */
  async read(done: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.received.toString('latin1')) && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received so far: ${JSON.stringify(this.received.toString('latin1').slice(0, 500))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
    const text = this.received.toString('latin1');
    this.received = Buffer.alloc(0);
    return text;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A RESP command as a client library sends it. */
export function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}
