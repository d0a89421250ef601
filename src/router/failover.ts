/**
 * The write target: which host is primary now, from the roles hosts report in probes (a
 * 25006 from the primary asks for one at once) and their health. When the primary goes down
 * or turns out to be a replica, writes wait in waitForPrimary() instead of failing; they
 * proceed the moment a serving host reports itself out of recovery (promoted by Patroni, RDS
 * or `pg_ctl promote`), and fail with a typed error after failover_timeout. The gap from
 * losing one primary to having the next is measured.
 */
import { FailoverError } from '../errors.js';
import type { HealthListener, HostHealth } from '../health/host-health.js';
import { realTimers, type Timers } from '../health/timers.js';
import type { Clock, ObservedRole } from '../health/types.js';

interface Waiter {
  resolve(host: HostHealth): void;
  reject(err: FailoverError): void;
  timer: unknown;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export interface FailoverInit {
  clock: Clock;
  /** For the failover_timeout of each wait; real unref'd timers when omitted. */
  timers?: Timers;
}

export class FailoverTracker implements HealthListener {
  /** A different host became primary after the last one was lost. */
  failovers = 0;
  /** Milliseconds from losing the last primary to having one again; null before the first loss ends. */
  lastGapMs: number | null = null;
  /** Clock time the primary was lost; null while one is serving. */
  lostAt: number | null = null;
  /** Waits that ended in FailoverError with SLUICE_FAILOVER_TIMEOUT. */
  timeouts = 0;

  private readonly hosts: readonly HostHealth[];
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly unsubscribe: (() => void)[];
  /**
   * Order in which hosts became primary: with two claimants (a stale one back up) the newest
   * wins. A counter, not clock time, so two changes in one millisecond still have an order;
   * configured primaries share 0, and the first configured wins among them.
   */
  private readonly primarySince = new Map<HostHealth, number>();
  private promotions = 0;
  private readonly waiters = new Set<Waiter>();
  private current: HostHealth | null = null;
  /** The primary that was lost, to tell a failover from the same host coming back. */
  private lost: HostHealth | null = null;

  constructor(hosts: readonly HostHealth[], init: FailoverInit) {
    this.hosts = hosts;
    this.clock = init.clock;
    this.timers = init.timers ?? realTimers;
    for (const h of hosts) if (h.role === 'primary') this.primarySince.set(h, 0);
    this.unsubscribe = hosts.map((h) => h.listen(this));
    this.current = this.find();
  }

  /** The host writes go to now; null during failover. */
  get primary(): HostHealth | null { return this.current; }

  /** Waits queued for a primary. */
  get waiting(): number { return this.waiters.size; }

  /**
   * The primary now, or the first one to appear within timeoutMs. Rejects with FailoverError:
   * SLUICE_FAILOVER_TIMEOUT after the timeout, SLUICE_FAILOVER_CANCELLED when `signal` aborts
   * or close() is called. Callers check `primary` first: this allocates only when waiting.
   */
  waitForPrimary(timeoutMs: number, signal?: AbortSignal): Promise<HostHealth> {
    if (this.current !== null) return Promise.resolve(this.current);
    if (signal?.aborted) return Promise.reject(cancelled('the client gave up waiting for a primary'));
    if (timeoutMs <= 0) return Promise.reject(this.timedOut(timeoutMs));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve, reject, signal,
        timer: this.timers.set(() => this.settle(waiter, this.timedOut(timeoutMs)), timeoutMs),
        onAbort: () => this.settle(waiter, cancelled('the client gave up waiting for a primary')),
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Stop listening to the hosts and cancel every wait. */
  close(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe.length = 0;
    for (const w of [...this.waiters]) this.settle(w, cancelled('the router is shutting down'));
  }

  stateChanged(): void {
    this.update();
  }

  roleChanged(host: HostHealth, _from: ObservedRole, to: ObservedRole): void {
    if (to === 'primary') this.primarySince.set(host, ++this.promotions);
    else this.primarySince.delete(host);
    this.update();
  }

  private update(): void {
    const next = this.find();
    const prev = this.current;
    if (next === prev) return;
    this.current = next;
    const now = this.clock.now();
    if (next === null) {
      this.lostAt = now;
      this.lost = prev;
      return;
    }
    if (this.lostAt !== null) {
      this.lastGapMs = now - this.lostAt;
      if (next !== this.lost) this.failovers++;
      this.lostAt = null;
      this.lost = null;
    }
    for (const w of [...this.waiters]) this.settle(w, next);
  }

  private find(): HostHealth | null {
    let best: HostHealth | null = null;
    let bestSince = -Infinity;
    for (const h of this.hosts) {
      const since = this.primarySince.get(h);
      if (since === undefined || (h.state !== 'healthy' && h.state !== 'degraded')) continue;
      if (since > bestSince) { best = h; bestSince = since; }
    }
    return best;
  }

  private settle(w: Waiter, outcome: HostHealth | FailoverError): void {
    if (!this.waiters.delete(w)) return;
    this.timers.clear(w.timer);
    w.signal?.removeEventListener('abort', w.onAbort);
    if (outcome instanceof FailoverError) w.reject(outcome);
    else w.resolve(outcome);
  }

  private timedOut(timeoutMs: number): FailoverError {
    this.timeouts++;
    return new FailoverError('SLUICE_FAILOVER_TIMEOUT', `no primary within failover_timeout (${timeoutMs} ms); the write was not sent`);
  }
}

function cancelled(why: string): FailoverError {
  return new FailoverError('SLUICE_FAILOVER_CANCELLED', why);
}
