/**
 * The protocol-agnostic server-connection pool: leases, the FIFO wait queue, timeouts,
 * lifetime and idle policy, as a PgBouncer operator knows them. A protocol supplies the
 * Connector; clients are LeaseWaiters. Acquire and release never allocate a closure or a
 * promise when an idle connection or a queued waiter is at hand; only connect, check and
 * reset are asynchronous. One unref'd janitor timer enforces every timeout.
 */
import { PoolClosedError, PoolTimeoutError, ServerConnectError, SluiceError } from '../errors.js';
import type { PoolInit, PoolLogger, PoolOptions } from './options.js';
import { QueueForecast } from './queue-forecast.js';
import { PoolTotals, type PoolSnapshot, type ServerState } from './stats.js';
import type { Connector, HostPicker, HostTarget, LeaseWaiter, PooledConnection } from './types.js';
import { WaitQueue } from './wait-queue.js';

const IDLE = 0;
const LEASED = 1;
/** Running server_check_query or the session reset; offered to waiters when it passes. */
const TESTED = 2;

interface ServerEntry<C> {
  readonly conn: C;
  state: typeof IDLE | typeof LEASED | typeof TESTED;
  /** reconnect() bumps the pool's generation; older connections retire at the next chance. */
  readonly generation: number;
}

const silent: PoolLogger = { debug() {}, info() {}, warn() {} };

export class Pool<C extends PooledConnection> {
  readonly name: string;
  readonly totals = new PoolTotals();
  /** Demand over size, sampled by the janitor: when the wait queue will start to grow. */
  readonly forecast = new QueueForecast();
  /** Why the last connect failed; null once one succeeds. For /health and SHOW POOLS. */
  lastConnectError: SluiceError | null = null;

  private opts: PoolOptions;
  private readonly connector: Connector<C>;
  private readonly pickHost: HostPicker;
  private readonly log: PoolLogger;
  private readonly queue = new WaitQueue<LeaseWaiter<C>>();
  /** LIFO: the most recently used is handed out first, so surplus ones age out by idle timeout. */
  private readonly idle: ServerEntry<C>[] = [];
  /** Every open connection the pool owns, whatever its state; connecting ones are only counted. */
  private readonly servers = new Map<C, ServerEntry<C>>();
  private active = 0;
  private connecting = 0;
  private tested = 0;
  private generation = 0;
  /** Date.now() before which no connect starts: server_login_retry after a failure. */
  private retryAt = 0;
  private paused = false;
  private closing = false;
  private closed: Promise<void> | null = null;
  private resolveClosed: () => void = () => {};
  private drainWaiters: (() => void)[] = [];
  private readonly janitor: NodeJS.Timeout;

  constructor(init: PoolInit<C>) {
    this.name = init.name;
    this.opts = init.options;
    this.connector = init.connector;
    this.pickHost = init.pickHost;
    this.log = init.log ?? silent;
    this.janitor = setInterval(() => this.tick(), init.tickMs ?? 100).unref();
    this.topUp(Date.now());
  }

  /** Connections leased to clients now: the host's pool utilisation is this ÷ size. */
  get leased(): number {
    return this.active;
  }

  /** Idle, leased, being tested and connecting: the figure `size` caps. */
  get total(): number {
    return this.servers.size + this.connecting;
  }

  /**
   * Leases a new acquire could get without queueing behind others: idle connections plus room
   * to open, less the waiters already queued. 0 while logins to the host fail and nothing is
   * idle, so routing sends work to a host that can take it rather than to one in retry backoff.
   */
  get spare(): number {
    if (this.lastConnectError !== null && this.idle.length === 0) return 0;
    return this.idle.length + this.opts.size - this.total - this.queue.size;
  }

  /** Take every queued waiter out, oldest first, to be routed elsewhere (its host stopped serving). */
  takeWaiters(): LeaseWaiter<C>[] {
    const taken: LeaseWaiter<C>[] = [];
    for (let waiter = this.queue.shift(); waiter !== undefined; waiter = this.queue.shift()) taken.push(waiter);
    return taken;
  }

  /**
   * Ask for a server connection. The waiter gets exactly one callback: onLease (synchronously
   * when an idle connection is ready) or onLeaseError. A waiter already queued is left in place.
   */
  acquire(waiter: LeaseWaiter<C>): void {
    if (this.closing) {
      this.fail(waiter, new PoolClosedError(this.name));
      return;
    }
    if (!this.paused && this.queue.size === 0) {
      const now = Date.now();
      const entry = this.takeIdle(now);
      if (entry !== undefined) {
        const check = this.checkFor(entry, now);
        if (check === undefined) {
          this.lease(waiter, entry);
          return;
        }
        // The check's outcome goes to the queue head, which this waiter is about to be.
        this.queue.push(waiter, performance.now());
        this.test(entry, check, 'server_check_query failed');
        return;
      }
    }
    if (this.queue.push(waiter, performance.now())) this.dispatch();
  }

  /** The client went away while waiting; true when it was still queued. */
  cancelWait(waiter: LeaseWaiter<C>): boolean {
    return this.queue.remove(waiter);
  }

  /**
   * Give a leased connection back. `reusable` false (broken, or left mid-transaction) closes
   * it; otherwise it goes straight to the oldest waiter, or onto the idle stack.
   */
  release(conn: C, reusable: boolean): void {
    const entry = this.servers.get(conn);
    if (entry === undefined || entry.state !== LEASED) {
      this.log.warn({ pool: this.name, server: conn.id }, 'release of a connection this pool has not leased; ignored');
      return;
    }
    this.active--;
    const now = Date.now();
    if (!reusable) {
      this.destroy(entry, 'released as not reusable');
      this.dispatch();
    } else if (!this.retire(entry, now)) {
      if (this.opts.mode === 'session' && this.connector.reset !== undefined) this.test(entry, this.connector.reset, 'session reset failed');
      else if (this.queue.size > 0) this.handOffLater(entry, now);
      else this.offer(entry, now);
    }
    if (this.active === 0 && this.drainWaiters.length > 0) this.settleDrain();
  }

  /** The protocol saw the socket close. Idle ones leave now; leased ones leave on release. */
  onConnectionClosed(conn: C): void {
    const entry = this.servers.get(conn);
    if (entry === undefined || entry.state !== IDLE) return;
    const at = this.idle.indexOf(entry);
    if (at >= 0) this.idle.splice(at, 1);
    this.destroy(entry, 'closed by server');
  }

  /** Config reload: new limits and timeouts apply at once; surplus leased ones close on release. */
  resize(options: PoolOptions): void {
    this.opts = options;
    const now = Date.now();
    this.sweepIdle(now);
    this.topUp(now);
    this.dispatch();
  }

  /** New acquires wait (query_wait_timeout still runs, as in PgBouncer) until resume(). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.topUp(Date.now());
    this.dispatch();
  }

  /** Retire every current connection: idle ones now, busy ones when they come back. */
  reconnect(): void {
    this.generation++;
    const now = Date.now();
    this.sweepIdle(now);
    this.topUp(now);
    this.dispatch();
  }

  /** Resolves when no connection is leased (graceful shutdown waits on this). */
  drain(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Reject waiters, close idle ones now and the rest when released; resolves once all are closed. */
  close(): Promise<void> {
    if (this.closed !== null) return this.closed;
    this.closing = true;
    clearInterval(this.janitor);
    this.closed = new Promise((resolve) => { this.resolveClosed = resolve; });
    for (let waiter = this.queue.shift(); waiter !== undefined; waiter = this.queue.shift()) {
      this.fail(waiter, new PoolClosedError(this.name));
    }
    for (const entry of this.idle) this.destroy(entry, 'pool closed');
    this.idle.length = 0;
    this.settleClose();
    return this.closed;
  }

  snapshot(): PoolSnapshot {
    const since = this.queue.oldestSince();
    const t = this.totals;
    return {
      name: this.name,
      mode: this.opts.mode,
      size: this.opts.size,
      paused: this.paused,
      closing: this.closing,
      waiting: this.queue.size,
      maxWaitUs: since < 0 ? 0 : Math.round((performance.now() - since) * 1000),
      active: this.active,
      idle: this.idle.length,
      tested: this.tested,
      connecting: this.connecting,
      leases: t.leases,
      connects: t.connects,
      connectFailures: t.connectFailures,
      timeouts: t.timeouts,
      waitTimeUs: t.waitTimeUs,
      waitCount: t.waitCount,
      lastConnectError: this.lastConnectError?.message ?? null,
      queueForecastSeconds: this.forecast.secondsUntilQueue(),
    };
  }

  /**
   * Every open connection with what it does now, for the admin views (never the forwarding
   * path). An idle one that sat past server_check_delay is "used": it is checked before its
   * next lease, as PgBouncer's sv_used. Connections still logging in are only counted (snapshot).
   */
  *connections(now = Date.now()): IterableIterator<[C, ServerState]> {
    for (const entry of this.servers.values()) {
      if (entry.state === LEASED) yield [entry.conn, 'active'];
      else if (entry.state === TESTED) yield [entry.conn, 'tested'];
      else yield [entry.conn, this.checkFor(entry, now) === undefined ? 'idle' : 'used'];
    }
  }

  /** Serve queued waiters: idle connections first, then new ones for demand nothing covers yet. */
  private dispatch(): void {
    if (this.paused || this.closing) return;
    const now = Date.now();
    // Connections under test will be offered to the queue, so they count as supply.
    while (this.queue.size > this.tested) {
      const entry = this.takeIdle(now);
      if (entry === undefined) break;
      const check = this.checkFor(entry, now);
      if (check === undefined) this.offer(entry, now);
      else this.test(entry, check, 'server_check_query failed');
    }
    while (this.queue.size > this.connecting + this.tested && this.canOpen(now)) this.startConnect();
  }

  /**
   * Connections freed while clients wait are handed over once per event-loop turn, after all
   * I/O of the turn, rather than one by one as each frees up (PgBouncer's per-loop activation).
   * The queries then leave for the servers in a burst and the answers come back in one, so the
   * servers, Sluice and the clients each do more work per wake-up; handing over at once made
   * every component wake for every transaction and halved 1000-client throughput.
   */
  private handOffLater(entry: ServerEntry<C>, now: number): void {
    entry.state = IDLE;
    entry.conn.lastUsedAt = now;
    this.idle.push(entry);
    if (this.handOffScheduled) return;
    this.handOffScheduled = true;
    setImmediate(this.runHandOff);
  }

  private handOffScheduled = false;
  private readonly runHandOff = (): void => {
    this.handOffScheduled = false;
    this.dispatch();
  };

  /** Pop the most recently used idle connection that may still serve; retire the others. */
  private takeIdle(now: number): ServerEntry<C> | undefined {
    for (let entry = this.idle.pop(); entry !== undefined; entry = this.idle.pop()) {
      const why = this.retireReason(entry, now);
      if (why === null) return entry;
      this.destroy(entry, why);
    }
    return undefined;
  }

  /** The connector's check when this idle connection sat longer than server_check_delay. */
  private checkFor(entry: ServerEntry<C>, now: number): Connector<C>['check'] {
    if (this.opts.server_check_query === '' || now - entry.conn.lastUsedAt < this.opts.server_check_delay) return undefined;
    return this.connector.check;
  }

  private lease(waiter: LeaseWaiter<C>, entry: ServerEntry<C>): void {
    entry.state = LEASED;
    this.active++;
    this.totals.leases++;
    try {
      waiter.onLease(entry.conn);
    } catch (err) {
      // A throwing client must not leave the pool's bookkeeping half-done; the lease stands.
      this.log.warn({ pool: this.name, server: entry.conn.id, err }, 'lease callback threw');
    }
  }

  private fail(waiter: LeaseWaiter<C>, err: SluiceError): void {
    try {
      waiter.onLeaseError(err);
    } catch (thrown) {
      this.log.warn({ pool: this.name, err: thrown }, 'lease error callback threw');
    }
  }

  /** A usable connection is free: to the oldest waiter directly, else onto the idle stack. */
  private offer(entry: ServerEntry<C>, now: number): void {
    if (!this.paused) {
      const since = this.queue.oldestSince();
      const waiter = this.queue.shift();
      if (waiter !== undefined) {
        const waitedUs = Math.round((performance.now() - since) * 1000);
        this.totals.waitCount++;
        this.totals.waitTimeUs += waitedUs;
        this.totals.queuedWaitTimes.observe(waitedUs);
        this.lease(waiter, entry);
        return;
      }
    }
    entry.state = IDLE;
    entry.conn.lastUsedAt = now;
    this.idle.push(entry);
  }

  /** Constant strings, so asking allocates nothing; null when the connection may serve. */
  private retireReason(entry: ServerEntry<C>, now: number): string | null {
    if (entry.conn.closed) return 'closed by server';
    if (entry.generation !== this.generation) return 'reconnect';
    if (this.opts.server_lifetime > 0 && now - entry.conn.createdAt >= this.opts.server_lifetime) return 'server_lifetime';
    if (this.total > this.opts.size) return 'pool size reduced';
    return null;
  }

  /** Close a connection that is not idle (being freed) when it must not serve again. */
  private retire(entry: ServerEntry<C>, now: number): boolean {
    const why = this.closing ? 'pool closed' : this.retireReason(entry, now);
    if (why === null) return false;
    this.destroy(entry, why);
    this.dispatch();
    return true;
  }

  /** Forget and close; the caller has already taken it off the idle stack and the counters. */
  private destroy(entry: ServerEntry<C>, reason: string): void {
    this.servers.delete(entry.conn);
    if (!entry.conn.closed) entry.conn.close(reason);
    this.log.debug({ pool: this.name, server: entry.conn.id, reason }, 'server connection closed');
    this.settleClose();
  }

  private canOpen(now: number): boolean {
    return this.total < this.opts.size && now >= this.retryAt;
  }

  private startConnect(): void {
    const host = this.pickHost();
    if (host === null) {
      this.connectFailed(new ServerConnectError(`no host available for pool "${this.name}"`), null);
      return;
    }
    this.connecting++;
    const generation = this.generation;
    let pending: Promise<C>;
    try {
      pending = this.connector.connect(host, this.opts.server_connect_timeout);
    } catch (err) {
      this.connecting--;
      this.connectFailed(err, host);
      return;
    }
    pending.then(
      (conn) => this.connected(conn, generation),
      (err: unknown) => {
        this.connecting--;
        this.connectFailed(err, host);
      },
    );
  }

  private connected(conn: C, generation: number): void {
    this.connecting--;
    this.totals.connects++;
    this.lastConnectError = null;
    this.retryAt = 0;
    const entry: ServerEntry<C> = { conn, state: IDLE, generation };
    this.servers.set(conn, entry);
    this.log.debug({ pool: this.name, server: conn.id, host: conn.host.key }, 'server connection opened');
    const now = Date.now();
    if (this.retire(entry, now)) return;
    this.offer(entry, now);
    // A success lifts the login backoff, so demand waiting on it may open more now.
    this.dispatch();
  }

  /** Waiters keep waiting (query_wait_timeout bounds them); the janitor retries after server_login_retry. */
  private connectFailed(err: unknown, host: HostTarget | null): void {
    const error = err instanceof SluiceError
      ? err
      : new ServerConnectError(`connect to ${host?.key ?? 'server'} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    this.totals.connectFailures++;
    this.lastConnectError = error;
    this.retryAt = Date.now() + this.opts.server_login_retry;
    this.log.warn({ pool: this.name, host: host?.key, code: error.code, err: error.message, retryInMs: this.opts.server_login_retry }, 'server connection failed');
    // A refusal (bad credentials) fails the waiters now, as PgBouncer does, unless another
    // connection of the pool is alive and can still serve them.
    if (error instanceof ServerConnectError && error.refused && this.servers.size === 0) {
      for (let waiter = this.queue.shift(); waiter !== undefined; waiter = this.queue.shift()) this.fail(waiter, error);
    }
    this.settleClose();
  }

  /** Run check or reset; a pass offers the connection, a failure closes it and serves waiters otherwise. */
  private test(entry: ServerEntry<C>, run: (conn: C) => Promise<void>, failure: string): void {
    entry.state = TESTED;
    this.tested++;
    let pending: Promise<void>;
    try {
      pending = run.call(this.connector, entry.conn);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      () => {
        this.tested--;
        const now = Date.now();
        if (!this.retire(entry, now)) this.offer(entry, now);
      },
      (err: unknown) => {
        this.tested--;
        this.log.warn({ pool: this.name, server: entry.conn.id, err }, failure);
        this.destroy(entry, failure);
        this.dispatch();
      },
    );
  }

  private tick(): void {
    const now = Date.now();
    this.forecast.sample(now, this.active + this.queue.size, this.opts.size);
    this.expireWaiters();
    this.sweepIdle(now);
    this.topUp(now);
    this.dispatch();
  }

  /** The queue is FIFO by enqueue time, so only its head can be the next to time out. */
  private expireWaiters(): void {
    const limit = this.opts.query_wait_timeout;
    if (limit <= 0) return;
    const now = performance.now();
    for (let since = this.queue.oldestSince(); since >= 0 && now - since >= limit; since = this.queue.oldestSince()) {
      const waiter = this.queue.shift();
      if (waiter === undefined) return;
      this.totals.timeouts++;
      this.fail(waiter, new PoolTimeoutError(this.name, Math.round(now - since)));
    }
  }

  /** Close idle ones past lifetime, retired or surplus, and past server_idle_timeout above min_size; oldest first. */
  private sweepIdle(now: number): void {
    const idle = this.idle;
    const idleLimit = this.opts.server_idle_timeout;
    let kept = 0;
    for (let i = 0; i < idle.length; i++) {
      const entry = idle[i];
      let why = this.retireReason(entry, now);
      if (why === null && idleLimit > 0 && now - entry.conn.lastUsedAt >= idleLimit && this.total > this.opts.min_size) why = 'server_idle_timeout';
      if (why === null) idle[kept++] = entry;
      else this.destroy(entry, why);
    }
    idle.length = kept;
  }

  /** Keep min_size open (capped by size); a failure backs off like any other connect. */
  private topUp(now: number): void {
    if (this.paused || this.closing) return;
    const floor = Math.min(this.opts.min_size, this.opts.size);
    while (this.total < floor && this.canOpen(now)) this.startConnect();
  }

  private settleDrain(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private settleClose(): void {
    if (this.closing && this.servers.size === 0 && this.connecting === 0) this.resolveClosed();
  }
}
