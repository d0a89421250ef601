/**
 * Finds a source's primary through Redis Sentinel and follows failovers: asks the sentinels
 * in turn for the master's address (SENTINEL get-master-addr-by-name), then stays subscribed
 * to +switch-master on the one that answered. A lost sentinel connection is replaced, and the
 * address asked again, since a switch may have happened meanwhile.
 */
import type { Logger } from 'pino';
import type { RedisSentinelConfig } from '../../config/types.js';
import { encodeCommand } from './encode.js';
import { readLeadingBulks } from './read-bulks.js';
import { RedisServerConnection } from './server-connection.js';

export interface SentinelWatchOptions {
  sourceName: string;
  sentinel: () => RedisSentinelConfig;
  connectTimeoutMs: () => number;
  retryMs: () => number;
  /** The master is at host:port (at start, and after each switch). */
  onPrimary: (host: string, port: number) => void;
  log: Logger;
}

export class SentinelWatch {
  private readonly opts: SentinelWatchOptions;
  private conn: RedisServerConnection | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(opts: SentinelWatchOptions) {
    this.opts = opts;
  }

  /** Resolves once the primary is known, or once every sentinel was tried (retrying goes on). */
  async start(): Promise<void> {
    if (!(await this.lookup())) this.retryLater();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.conn?.close('shutdown');
  }

  private async lookup(): Promise<boolean> {
    const { master, hosts, password } = this.opts.sentinel();
    for (const h of hosts) {
      if (this.closed) return true;
      const key = `${h.host}:${h.port}`;
      try {
        const conn = await RedisServerConnection.connect({
          host: { host: h.host, port: h.port, key },
          version: 2,
          credentials: password === undefined ? undefined : { password },
          name: `sluice-${this.opts.sourceName}-sentinel`,
          timeoutMs: this.opts.connectTimeoutMs(),
          log: this.opts.log,
        });
        const [ip, port] = readLeadingBulks(await conn.request(encodeCommand(['SENTINEL', 'get-master-addr-by-name', master])));
        if (ip === undefined || port === undefined) {
          conn.close('master unknown to this sentinel');
          this.opts.log.warn({ sentinel: key, master }, 'sentinel does not know the master');
          continue;
        }
        this.watch(conn, master);
        this.opts.onPrimary(ip, Number(port));
        return true;
      } catch (err) {
        this.opts.log.warn({ sentinel: key, err: err instanceof Error ? err.message : String(err) }, 'sentinel did not answer');
      }
    }
    return false;
  }

  private watch(conn: RedisServerConnection, master: string): void {
    this.conn = conn;
    conn.onUnsolicited = (frame) => {
      const [type, channel, text] = readLeadingBulks(frame, 3);
      if (type !== 'message' || channel !== '+switch-master' || text === undefined) return;
      // "<master> <old ip> <old port> <new ip> <new port>"
      const [name, , , ip, port] = text.split(' ');
      if (name !== master || ip === undefined || port === undefined) return;
      this.opts.log.info({ master, primary: `${ip}:${port}` }, 'sentinel switched the master');
      this.opts.onPrimary(ip, Number(port));
    };
    conn.onClose = () => {
      this.conn = null;
      if (!this.closed) this.retryLater();
    };
    conn.write(encodeCommand(['SUBSCRIBE', '+switch-master']));
  }

  private retryLater(): void {
    if (this.closed || this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.lookup().then((found) => { if (!found) this.retryLater(); });
    }, Math.max(this.opts.retryMs(), 100));
    this.timer.unref();
  }
}
