/**
 * One subscriber connection per Redis source, shared by every subscribed client: a channel
 * (or pattern, or shard channel) is subscribed on the server while at least one client wants
 * it, and each message the server sends is handed to the clients that hold it. The hub's own
 * connection speaks RESP2, whose message frames differ from RESP3 pushes only in their first
 * byte, so one frame serves clients of both versions.
 *
 * When that connection is lost (the server closed it, CLIENT KILL, a new primary), the hub
 * opens another and subscribes again to everything its clients hold, so they keep their
 * subscriptions; messages published in between are lost, as Redis pub/sub loses them for a
 * reconnecting client. Clients are disconnected only when no new connection opens within
 * query_wait_timeout.
 */
import type { Logger } from 'pino';
import type { SluiceError } from '../../errors.js';
import type { RedisServerCredentials } from '../../config/types.js';
import type { RoutedHost } from '../../router/host-set.js';
import type { RedisServerConnection } from './server-connection.js';
import type { RedisConnect } from './host-signals.js';
import { encodeCommand } from './encode.js';
import { readLeadingBulks } from './read-bulks.js';

export type SubscriptionKind = 'channel' | 'pattern' | 'shard';

const KINDS: readonly SubscriptionKind[] = ['channel', 'pattern', 'shard'];

const SUBSCRIBE_COMMAND: Readonly<Record<SubscriptionKind, string>> = { channel: 'SUBSCRIBE', pattern: 'PSUBSCRIBE', shard: 'SSUBSCRIBE' };
const UNSUBSCRIBE_COMMAND: Readonly<Record<SubscriptionKind, string>> = { channel: 'UNSUBSCRIBE', pattern: 'PUNSUBSCRIBE', shard: 'SUNSUBSCRIBE' };
const CONFIRMATION: ReadonlyMap<string, SubscriptionKind> = new Map([['subscribe', 'channel'], ['psubscribe', 'pattern'], ['ssubscribe', 'shard']]);
const MESSAGE: ReadonlyMap<string, SubscriptionKind> = new Map([['message', 'channel'], ['pmessage', 'pattern'], ['smessage', 'shard']]);

/** A client session as the hub sees it. */
export interface Subscriber {
  /** A message frame (RESP2 array) for a subscription this client holds. */
  onMessage(frame: Buffer): void;
  /** The hub's connection is gone; the client's subscriptions with it. */
  onHubLost(reason: string): void;
}

interface Subscription {
  readonly clients: Set<Subscriber>;
  /** The server confirmed it; until then `waiting` holds what to run when it does. */
  confirmed: boolean;
  sent: boolean;
  waiting: (() => void)[];
}

export interface SubscriberHubOptions {
  sourceName: string;
  pickHost: () => RoutedHost | null;
  credentials: () => RedisServerCredentials | undefined;
  connectTimeoutMs: () => number;
  /** Pause between attempts to reopen a lost connection (server_login_retry)... */
  retryMs: () => number;
  /** ...for up to this long before its clients are given up (query_wait_timeout). */
  resubscribeWithinMs: () => number;
  connect: RedisConnect;
  log: Logger;
}

export class SubscriberHub {
  private readonly opts: SubscriberHubOptions;
  private readonly subs: Record<SubscriptionKind, Map<string, Subscription>> = { channel: new Map(), pattern: new Map(), shard: new Map() };
  private conn: RedisServerConnection | null = null;
  private connecting = false;
  private closing = false;
  /** When the connection was lost while clients held subscriptions; 0 otherwise. */
  private lostAt = 0;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(opts: SubscriberHubOptions) {
    this.opts = opts;
  }

  /** Subscriptions held on the server now, for the admin views. */
  get size(): number { return this.subs.channel.size + this.subs.pattern.size + this.subs.shard.size; }

  /** Clients holding at least one subscription, for the admin views. */
  get clientCount(): number {
    const clients = new Set<Subscriber>();
    for (const kind of KINDS) for (const sub of this.subs[kind].values()) for (const c of sub.clients) clients.add(c);
    return clients.size;
  }

  /** Add `client` to each name; `done` runs once the server confirmed all of them. */
  subscribe(kind: SubscriptionKind, names: readonly string[], client: Subscriber, done: () => void): void {
    let pending = 1;
    const settle = (): void => { if (--pending === 0) done(); };
    for (const name of names) {
      let sub = this.subs[kind].get(name);
      if (sub === undefined) {
        sub = { clients: new Set(), confirmed: false, sent: false, waiting: [] };
        this.subs[kind].set(name, sub);
      }
      sub.clients.add(client);
      if (!sub.confirmed) {
        pending++;
        sub.waiting.push(settle);
      }
    }
    this.flush();
    settle();
  }

  /** Remove `client`; the server subscription goes when its last client does. */
  unsubscribe(kind: SubscriptionKind, name: string, client: Subscriber): void {
    const sub = this.subs[kind].get(name);
    if (sub === undefined || !sub.clients.delete(client) || sub.clients.size > 0) return;
    this.subs[kind].delete(name);
    if (sub.sent && this.conn !== null) this.conn.write(encodeCommand([UNSUBSCRIBE_COMMAND[kind], name]));
    for (const run of sub.waiting) run();
  }

  /** The shared subscriber connection, for the admin views. */
  get connection(): RedisServerConnection | null { return this.conn; }

  close(): void {
    this.closing = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.conn?.close('shutdown');
  }

  /** A new primary: the subscriptions move to a connection to it. */
  reconnect(): void {
    this.conn?.close('the primary changed');
  }

  /** Send what is not on the server yet, connecting first when needed. */
  private flush(): void {
    if (this.conn === null || this.conn.closed) {
      this.connect();
      return;
    }
    for (const kind of KINDS) {
      const names: string[] = [];
      for (const [name, sub] of this.subs[kind]) if (!sub.sent) { sub.sent = true; names.push(name); }
      // Confirmations and messages are all unsolicited on a subscribed RESP2 connection.
      if (names.length > 0) this.conn.write(encodeCommand([SUBSCRIBE_COMMAND[kind], ...names]));
    }
  }

  private connect(): void {
    if (this.connecting || this.closing || (this.conn !== null && !this.conn.closed)) return;
    const host = this.opts.pickHost();
    if (host === null) {
      this.failed('no redis host may serve subscriptions now');
      return;
    }
    this.connecting = true;
    this.opts.connect({
      host, version: 2, credentials: this.opts.credentials(), name: `sluice-${this.opts.sourceName}-subscriber`, timeoutMs: this.opts.connectTimeoutMs(), log: this.opts.log,
    }).then((conn) => {
      this.connecting = false;
      if (this.closing) {
        conn.close('shutdown');
        return;
      }
      this.conn = conn;
      host.connections++;
      this.lostAt = 0;
      if (this.retryTimer !== null) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.opts.log.info({ server: conn.id, host: host.key, subscriptions: this.size }, 'redis subscriber connection open');
      conn.onUnsolicited = (reply) => this.onReply(reply);
      conn.onClose = () => {
        host.connections--;
        this.conn = null;
        this.onLost();
      };
      this.flush();
    }, (err: SluiceError) => {
      this.connecting = false;
      this.failed(err.message);
    });
  }

  /** Every subscription is to be sent again on a new connection, unless Sluice is closing. */
  private onLost(): void {
    if (this.closing) {
      this.lose('the subscriber connection to redis closed');
      return;
    }
    for (const kind of KINDS) for (const sub of this.subs[kind].values()) sub.sent = false;
    if (this.size === 0) return;
    this.lostAt = Date.now();
    this.opts.log.warn({ subscriptions: this.size }, 'redis subscriber connection lost; subscribing again on a new one');
    this.connect();
  }

  /** A connect failed: after a loss, retry until resubscribeWithinMs is over; otherwise give the clients up now. */
  private failed(reason: string): void {
    if (this.closing) return;
    if (this.lostAt === 0 || Date.now() - this.lostAt >= this.opts.resubscribeWithinMs()) {
      this.lostAt = 0;
      this.lose(reason);
      return;
    }
    if (this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, this.opts.retryMs());
    this.retryTimer.unref();
  }

  private onReply(frame: Buffer): void {
    const [type, name] = readLeadingBulks(frame);
    if (type === undefined || name === undefined) return;
    const messageKind = MESSAGE.get(type);
    if (messageKind !== undefined) {
      const sub = this.subs[messageKind].get(name);
      if (sub === undefined) return;
      for (const client of sub.clients) client.onMessage(frame);
      return;
    }
    const confirmed = CONFIRMATION.get(type);
    const sub = confirmed === undefined ? undefined : this.subs[confirmed].get(name);
    if (sub === undefined || sub.confirmed) return;
    sub.confirmed = true;
    const waiting = sub.waiting;
    sub.waiting = [];
    for (const run of waiting) run();
  }

  /** Every client loses its subscriptions; they may subscribe again on a new connection. */
  private lose(reason: string): void {
    const clients = new Set<Subscriber>();
    for (const kind of KINDS) {
      for (const sub of this.subs[kind].values()) for (const c of sub.clients) clients.add(c);
      this.subs[kind].clear();
    }
    for (const c of clients) c.onHubLost(reason);
  }
}
