/**
 * A unit of work's lease through routing, for any protocol: asks the source's HostRoster for
 * a host that meets the need, acquires from that host's pool as the session's stand-in
 * waiter, waits for failover (failover_timeout) when a write finds no primary, and routes
 * again when its host stops serving before a connection was given (nothing was sent yet).
 * A source with one host is not routed, but while that host is down a unit of work waits up
 * to failover_timeout for it to serve again (a restart, a short network cut) instead of
 * failing at once. The protocol decides the need; PostgreSQL's and MySQL's unit routers use it.
 */
import { type FailoverError, NoHostError, type SluiceError } from '../errors.js';
import type { HostPools, Reroutable } from '../pool/host-pools.js';
import type { Pool } from '../pool/pool.js';
import type { LeaseWaiter, PooledConnection } from '../pool/types.js';
import type { WorkNeed } from './host-choice.js';
import type { HostRoster } from './host-roster.js';
import { serving, waitForServing } from './host-wait.js';
import type { HostSet, RoutedHost } from './host-set.js';

/** The source as routing sees it. */
export interface RouteTarget {
  readonly name: string;
  /** Several hosts: the roster chooses; otherwise the first host serves everything. */
  readonly routed: boolean;
  readonly hosts: HostSet;
  readonly roster: HostRoster;
  /** routing.failover_timeout now, in milliseconds. */
  readonly failoverTimeout: number;
  /** Probes watch the hosts, so a single host that is down will be seen coming back and is worth waiting for. */
  readonly probed: boolean;
}

/** The session behind the lease: it gets the connection, and learns which pool it came from. */
export interface LeasingSession<C extends PooledConnection> extends LeaseWaiter<C> {
  usePool(pool: Pool<C>): void;
}

export class RoutedLease<C extends PooledConnection> implements LeaseWaiter<C>, Reroutable {
  private need: WorkNeed = 'write';
  /** The pool this lease is queued in, or null when not queued there. */
  private queuedIn: Pool<C> | null = null;
  /** Set while a write waits for a primary. */
  private failoverWait: AbortController | null = null;

  constructor(
    private readonly session: LeasingSession<C>,
    private readonly target: RouteTarget,
    private readonly pools: HostPools<C, RoutedHost>,
  ) {}

  acquire(need: WorkNeed): void {
    this.need = need;
    this.acquireNow();
  }

  /** The client left while waiting. */
  cancelWait(): void {
    this.failoverWait?.abort();
    this.failoverWait = null;
    if (this.queuedIn !== null) this.queuedIn.cancelWait(this);
    this.queuedIn = null;
  }

  reroute(): void {
    this.queuedIn = null;
    this.acquireNow();
  }

  onLease(conn: C): void {
    this.queuedIn = null;
    this.session.onLease(conn);
  }

  onLeaseError(err: SluiceError): void {
    this.queuedIn = null;
    this.session.onLeaseError(err);
  }

  private acquireNow(): void {
    const pool = this.choosePool();
    if (pool === null) return;
    this.session.usePool(pool);
    this.queuedIn = pool;
    pool.acquire(this);
  }

  /** The pool to lease from now; null when waiting for a primary or failed. */
  private choosePool(): Pool<C> | null {
    const target = this.target;
    if (!target.routed) {
      const host = target.hosts.hosts[0]!;
      // One state read on the common path.
      if (serving(host.health.state) || !target.probed) return this.pools.get(host);
      this.waitFor(waitForServing(host.health, target.failoverTimeout, this.startWait()));
      return null;
    }
    const choice = target.roster.choose(this.need);
    if (choice.ok) return this.pools.get(choice.host);
    if (choice.reason === 'no-primary') this.waitForPrimary();
    else this.session.onLeaseError(new NoHostError(choice.reason === 'no-replica'
      ? `no replica of source "${target.name}" may serve reads now, and primary_reads is never`
      : `no host of source "${target.name}" may serve now`));
    return null;
  }

  private waitForPrimary(): void {
    const signal = this.startWait();
    this.waitFor(this.target.roster.failover.waitForPrimary(this.target.failoverTimeout, signal));
  }

  private startWait(): AbortSignal {
    const abort = new AbortController();
    this.failoverWait = abort;
    return abort.signal;
  }

  /** Choose again when `wait` resolves; the session gets the error (SLUICE_FAILOVER_*) when it rejects. */
  private waitFor(wait: Promise<unknown>): void {
    const abort = this.failoverWait;
    wait.then(
      () => {
        if (this.failoverWait !== abort) return;
        this.failoverWait = null;
        this.acquireNow();
      },
      (err: FailoverError) => {
        if (this.failoverWait !== abort) return;
        this.failoverWait = null;
        this.session.onLeaseError(err);
      },
    );
  }
}

/** Clients still waiting for a connection of a host that stopped serving or changed role choose again. */
export function rerouteOnHostChange(hosts: HostSet, reroute: (host: RoutedHost) => void): void {
  for (const h of hosts.hosts) {
    // After the failover tracker has seen the change too (listeners run inside the recording call).
    h.health.listen({
      stateChanged: (_, _from, to) => { if (to !== 'healthy' && to !== 'degraded') queueMicrotask(() => reroute(h)); },
      roleChanged: () => queueMicrotask(() => reroute(h)),
    });
  }
}
