/**
 * One (source, user)'s pools when the source has several hosts: a Pool per host, made on
 * first use, because routing picks the host for each unit of work and a pool's idle stack and
 * wait queue are only interchangeable within one host. Protocol-agnostic, so every protocol
 * that routes reuses it; what a waiter does when its host stops serving is Reroutable's.
 */
import type { Pool } from './pool.js';
import type { HostTarget, LeaseWaiter, PooledConnection } from './types.js';

/** A waiter that routing can send to another host: it chooses again and acquires there. */
export interface Reroutable {
  reroute(): void;
}

function isReroutable(w: object): w is Reroutable {
  return typeof (w as Partial<Reroutable>).reroute === 'function';
}

export class HostPools<C extends PooledConnection, H extends HostTarget> {
  private readonly byHost = new Map<H, Pool<C>>();

  constructor(private readonly create: (host: H) => Pool<C>) {}

  /** The host's pool, made now if this is its first unit of work. No allocation once made. */
  get(host: H): Pool<C> {
    let pool = this.byHost.get(host);
    if (pool === undefined) {
      pool = this.create(host);
      this.byHost.set(host, pool);
    }
    return pool;
  }

  peek(host: H): Pool<C> | undefined { return this.byHost.get(host); }

  values(): IterableIterator<Pool<C>> { return this.byHost.values(); }

  /** What the host can still give this user; a host without a pool yet has all of `size` free. */
  spare(host: H, size: number): number {
    return this.byHost.get(host)?.spare ?? size;
  }

  /** Connections leased from the host's pool now; 0 before its first unit of work. */
  leased(host: H): number {
    return this.byHost.get(host)?.leased ?? 0;
  }

  /**
   * The host stopped serving (down, draining, no longer the role its waiters need): waiters
   * not yet given a connection choose again. Others (a login's check) go to `fallback`.
   * Nothing was sent for them, so moving them is safe.
   */
  rerouteWaiters(host: H, fallback: (waiter: LeaseWaiter<C>) => void): void {
    const pool = this.byHost.get(host);
    if (pool === undefined) return;
    for (const waiter of pool.takeWaiters()) {
      if (isReroutable(waiter)) waiter.reroute();
      else fallback(waiter);
    }
  }
}
