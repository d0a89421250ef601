/**
 * One client's query and unit-of-work times, added to its pool's totals as its work is
 * answered (DESIGN: the forwarding path bumps plain counters; metrics read them on scrape).
 * Every protocol's session says when a query leaves and when it is answered, and whether
 * the answer ends the unit of work; what a unit of work is stays the protocol's business.
 */
import type { HostHealth } from '../health/host-health.js';
import type { PoolTotals } from './stats.js';

export class WorkTiming {
  /** The pool's counters, bumped in place; null until the client has a pool. */
  totals: PoolTotals | null = null;
  /** performance.now() at the first query of the current query and unit of work; 0 when none runs. */
  private queryStart = 0;
  private workStart = 0;

  /** A query goes to the server. */
  queryStarted(): void {
    this.totals!.queries++;
    if (this.queryStart === 0) this.queryStart = performance.now();
    if (this.workStart === 0) this.workStart = this.queryStart;
  }

  /**
   * The client's queries so far are answered: add their time, and the unit of work's when
   * `workEnded`; the host's health learns the latency.
   */
  workAnswered(workEnded: boolean, health: HostHealth | undefined): void {
    if (this.queryStart === 0) return;
    const t = this.totals!;
    const now = performance.now();
    const queryUs = Math.round((now - this.queryStart) * 1000);
    t.queryTimeUs += queryUs;
    t.queryTimes.observe(queryUs);
    health?.recordSuccess(queryUs / 1000);
    this.queryStart = 0;
    if (!workEnded) return;
    const transactionUs = Math.round((now - this.workStart) * 1000);
    t.transactions++;
    t.transactionTimeUs += transactionUs;
    t.transactionTimes.observe(transactionUs);
    this.workStart = 0;
  }

  /** The client's work so far was dropped unanswered (its server connection given up): time none of it. */
  forget(): void {
    this.queryStart = 0;
    this.workStart = 0;
  }
}
