/**
 * One client's query and transaction times and bytes, added to its pool's totals as its work
 * is answered and its leases end (DESIGN: the forwarding path bumps plain counters; metrics
 * read them on scrape). Kept out of the session so the session is about moving bytes; the
 * times are WorkTiming's, shared with MySQL, and a Query or Execute is what starts a query.
 */
import type { HostHealth } from '../../health/host-health.js';
import { WorkTiming } from '../../pool/work-timing.js';
import { TX_IDLE } from '../../wire/postgres/constants.js';
import type { Forwarder } from './forwarder.js';

export class WorkAccounting extends WorkTiming {
  /** Bytes towards the client already folded into the pool's totals. */
  private outFolded = 0;

  /** A settled ReadyForQuery with `status`: the unit of work ended when it says idle. */
  answered(status: number, health: HostHealth | undefined): void {
    this.workAnswered(status === TX_IDLE, health);
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
