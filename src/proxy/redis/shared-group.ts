/**
 * The shared connections of one Redis source for one RESP version: `shared_connections` per
 * host, opened at the first client that needs them and reopened after a loss. A client is
 * pinned to one of them for as long as it uses shared commands, so its own pipeline is
 * answered in order by that one server connection's FIFO; new clients go to the connection
 * with the fewest pinned clients. Hosts their health tracker calls down (or half-open, or
 * draining) get no new pins while another host of the group's role serves.
 */
import type { Logger } from 'pino';
import type { RedisServerCredentials } from '../../config/types.js';
import type { RoutedHost } from '../../router/host-set.js';
import type { SluiceError } from '../../errors.js';
import type { RespVersion } from '../../wire/redis/index.js';
import type { RedisServerConnection } from './server-connection.js';
import type { RedisConnect } from './host-signals.js';

export interface SharedGroupOptions {
  version: RespVersion;
  /** `primary` serves every command (hosts not marked replica); `replica` only reads. */
  role: 'primary' | 'replica';
  sourceName: string;
  hosts: () => readonly RoutedHost[];
  credentials: () => RedisServerCredentials | undefined;
  perHost: () => number;
  connectTimeoutMs: () => number;
  retryMs: () => number;
  connect: RedisConnect;
  log: Logger;
}

/** Healthy and degraded hosts take new work; the others wait for their probes to bring them back. */
function serving(host: RoutedHost): boolean {
  const state = host.health.state;
  return state === 'healthy' || state === 'degraded';
}

/** A client waiting for the group's first connection. */
export interface SharedWaiter {
  onShared(conn: RedisServerConnection): void;
  onSharedError(err: SluiceError): void;
}

interface Slot {
  conn: RedisServerConnection | null;
  connecting: boolean;
  /** Clients pinned to this slot's connection. */
  pinned: number;
  host: RoutedHost;
}

export class SharedGroup {
  private readonly opts: SharedGroupOptions;
  private slots: Slot[] = [];
  private waiters: SharedWaiter[] = [];
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  lastError: SluiceError | null = null;

  constructor(opts: SharedGroupOptions) {
    this.opts = opts;
  }

  /**
   * Whether a host may serve this group now: replica groups need a replica that is up (reads
   * go to the primary otherwise); the primary group is tried even when its hosts are down.
   */
  get hasHosts(): boolean {
    const replicas = this.opts.role === 'replica';
    return this.opts.hosts().some((h) => !h.disabled && (h.config.role === 'replica') === replicas && (!replicas || serving(h)));
  }

  /** Open connections with the clients pinned to each, for the admin views. */
  get load(): [RedisServerConnection, number][] {
    return this.slots.flatMap((s): [RedisServerConnection, number][] => (s.conn ? [[s.conn, s.pinned]] : []));
  }

  /** Open connections, for the admin views. */
  get connections(): RedisServerConnection[] {
    return this.slots.flatMap((s) => (s.conn ? [s.conn] : []));
  }

  /**
   * Pin a client: the open connection with the fewest pinned clients, or null when none is
   * open yet (the waiter is then called once one is, or with the connect error).
   */
  pin(waiter: SharedWaiter): RedisServerConnection | null {
    this.ensureSlots();
    const usable = this.usable();
    let best: Slot | null = null;
    for (const slot of this.slots) {
      if (slot.conn === null || slot.conn.closed || !usable(slot)) continue;
      if (best === null || slot.pinned < best.pinned) best = slot;
    }
    if (best !== null && best.conn !== null) {
      best.pinned++;
      return best.conn;
    }
    this.waiters.push(waiter);
    this.connectAll();
    return null;
  }

  unpin(conn: RedisServerConnection): void {
    const slot = this.slots.find((s) => s.conn === conn);
    if (slot !== undefined) slot.pinned--;
  }

  cancelWait(waiter: SharedWaiter): void {
    const at = this.waiters.indexOf(waiter);
    if (at >= 0) this.waiters.splice(at, 1);
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const slot of this.slots) slot.conn?.close('shutdown');
  }

  /** Slots for each enabled host, `shared_connections` each; surplus ones close on reload. */
  private ensureSlots(): void {
    const want = this.opts.perHost();
    const replicas = this.opts.role === 'replica';
    const hosts = this.opts.hosts().filter((h) => !h.disabled && (h.config.role === 'replica') === replicas);
    if (this.slots.length === hosts.length * want && this.slots.every((s) => hosts.includes(s.host))) return;
    const keep: Slot[] = [];
    for (const host of hosts) {
      const mine = this.slots.filter((s) => s.host === host);
      for (let i = 0; i < want; i++) keep.push(mine[i] ?? { conn: null, connecting: false, pinned: 0, host });
    }
    for (const slot of this.slots) if (!keep.includes(slot)) slot.conn?.close('shared_connections reduced');
    this.slots = keep;
  }

  private connectAll(): void {
    if (this.closed) return;
    if (this.retryTimer !== null) {
      // Within server_login_retry of a failure: tell waiters now rather than hold them.
      const err = this.lastError;
      if (err !== null) process.nextTick(() => this.failWaiters(err));
      return;
    }
    const usable = this.usable();
    for (const slot of this.slots) {
      if (slot.connecting || (slot.conn !== null && !slot.conn.closed) || !usable(slot)) continue;
      slot.connecting = true;
      this.opts.connect({
        host: slot.host,
        version: this.opts.version,
        credentials: this.opts.credentials(),
        name: `sluice-${this.opts.sourceName}-shared${this.opts.role === 'replica' ? '-replica' : ''}`,
        timeoutMs: this.opts.connectTimeoutMs(),
        log: this.opts.log,
      }).then((conn) => {
        slot.connecting = false;
        if (this.closed || !this.slots.includes(slot)) {
          conn.close('not needed');
          return;
        }
        slot.conn = conn;
        slot.pinned = 0;
        slot.host.connections++;
        this.lastError = null;
        conn.onClose = () => {
          slot.host.connections--;
          slot.conn = null;
        };
        this.opts.log.info({ server: conn.id, host: slot.host.key, resp: this.opts.version }, 'redis shared connection open');
        this.wake();
      }, (err: SluiceError) => {
        slot.connecting = false;
        this.lastError = err;
        if (this.slots.some((s) => usable(s) && (s.connecting || (s.conn !== null && !s.conn.closed)))) return;
        this.failWaiters(err);
        // Bound the reconnect rate while the server is down (server_login_retry).
        this.retryTimer = setTimeout(() => { this.retryTimer = null; }, this.opts.retryMs());
        this.retryTimer.unref();
      });
    }
  }

  /** Slots on serving hosts, or every slot when no host of the group serves (a down primary is still tried). */
  private usable(): (slot: Slot) => boolean {
    return this.slots.some((s) => serving(s.host)) ? (slot) => serving(slot.host) : () => true;
  }

  private failWaiters(err: SluiceError): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.onSharedError(err);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      const conn = this.pin(w);
      if (conn !== null) w.onShared(conn);
    }
  }
}
