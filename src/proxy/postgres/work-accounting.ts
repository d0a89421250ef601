/**
 * One client's query and transaction times and bytes, added to its pool's totals as its work
 * is answered and its leases end (DESIGN: the forwarding path bumps plain counters; metrics
 * read them on scrape). Kept out of the session so the session is about moving bytes.
 */
import type { HostHealth } from '../../health/host-health.js';
import type { PoolTotals } from '../../pool/stats.js';
import { TX_IDLE } from '../../wire/postgres/constants.js';
import type { Forwarder } from './forwarder.js';

export class WorkAccounting {
  /** The pool's counters, bumped in place; null until the client has a pool. */
  totals: PoolTotals | null = null;
  /** performance.now() at the first query of the current query and unit of work; 0 when none runs. */
  private queryStart = 0;
  private workStart = 0;
  /** Bytes towards the client already folded into the pool's totals. */
  private outFolded = 0;

  /** A Query or Execute goes to the server. */
  queryStarted(): void {
    this.totals!.queries++;
    if (this.queryStart === 0) this.queryStart = performance.now();
    if (this.workStart === 0) this.workStart = this.queryStart;
  }

  /**
   * The client's queries so far are answered (a settled ReadyForQuery with `status`): add
   * their time, and the unit of work's when it ended; the host's health learns the latency.
   */
  answered(status: number, health: HostHealth | undefined): void {
    if (this.queryStart === 0) return;
    const t = this.totals!;
    const now = performance.now();
    const queryUs = Math.round((now - this.queryStart) * 1000);
    t.queryTimeUs += queryUs;
    t.queryTimes.observe(queryUs);
    health?.recordSuccess(queryUs / 1000);
    this.queryStart = 0;
    if (status !== TX_IDLE) return;
    const transactionUs = Math.round((now - this.workStart) * 1000);
    t.transactions++;
    t.transactionTimeUs += transactionUs;
    t.transactionTimes.observe(transactionUs);
    this.workStart = 0;
  }

  /** Add a lease's traffic to the pool's totals; `toServer` is the lease's server-side forwarder. */
  foldBytes(toServer: Forwarder | null, out: Forwarder): void {
    const t = this.totals;
    if (t === null) return;
    if (toServer !== null) t.bytesIn += toServer.bytes;
    t.bytesOut += out.bytes - this.outFolded;
    this.outFolded = out.bytes;
  }

  /** Bytes towards the client not yet in the pool's totals. */
  unfoldedOut(out: Forwarder): number {
    return out.bytes - this.outFolded;
  }
}
