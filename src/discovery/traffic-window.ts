/**
 * What live traffic feels through Sluice, as discovery's throttle reads it: the mean
 * transaction time of the pools that share the run's database host, over the last 3 s. It is
 * computed from the pools' running totals (LatencyHistogram sumUs and count), read by the main
 * thread's feed timer while a run is active; the forwarding path does no extra work for it.
 *
 * Transactions rather than queries: a transaction's time runs from its first query to the
 * ReadyForQuery that ends it, so it also holds the client round trips between statements,
 * where a proxy or client starved of CPU shows first; and it is the unit pgbench and most
 * applications measure their latency in.
 */

/** Running totals of transactions that ended, as the pools keep them. */
export interface TrafficTotals {
  sumUs: number;
  count: number;
}

/**
 * The window the mean is taken over. One second was too short: on the bench machine the 1 s
 * mean of ~30,000 select-only transactions moved ±5 % from one second to the next with no
 * discovery at all, as much as the tolerance, so the lowest of them (the baseline) held the
 * controller at its longest wait. Three seconds cut that noise by about √3.
 */
export const WINDOW_MS = 3_000;
/** Fewer transactions than this in the window make no mean: the signal does not count. */
export const MIN_TRANSACTIONS = 50;
/** Readings kept: enough for a window at the feed's 100 ms, with room for late ticks. */
const KEPT = 40;

interface Reading { at: number; sumUs: number; count: number }

export class TrafficWindow {
  private readonly readings: Reading[] = [];

  /**
   * Records the totals now and returns the mean transaction time in ms over the last
   * WINDOW_MS; null until a whole window has been seen, or with too few transactions in it.
   */
  sample(totals: TrafficTotals | null, now: number): number | null {
    if (totals === null) {
      this.readings.length = 0;
      return null;
    }
    const last = this.readings.at(-1);
    // A pool closed by a reload takes its totals with it: start the window again.
    if (last !== undefined && (totals.count < last.count || totals.sumUs < last.sumUs)) this.readings.length = 0;
    this.readings.push({ at: now, sumUs: totals.sumUs, count: totals.count });
    if (this.readings.length > KEPT) this.readings.shift();
    // The newest reading at least a window older than now; readings are in time order.
    let from: Reading | undefined;
    for (const r of this.readings) {
      if (now - r.at < WINDOW_MS) break;
      from = r;
    }
    if (from === undefined) return null;
    const count = totals.count - from.count;
    if (count < MIN_TRANSACTIONS) return null;
    return (totals.sumUs - from.sumUs) / count / 1_000;
  }
}

/**
 * The lowest reading of the last `seconds` seconds: live traffic's calm level as the throttle
 * sees it. Not the lowest of the whole run: traffic's calm level drifts (on the bench it rose
 * 10 % within a minute with discovery all but idle), and a baseline that cannot follow it pins
 * the controller at its longest wait. While the controller waits, the run hardly loads the
 * host, so the lowest mean of the last half-minute is where traffic stands without it.
 */
export class RecentLow {
  /** The lowest reading of each second that had one, oldest first. */
  private readonly lows: { second: number; value: number }[] = [];

  constructor(private readonly seconds: number) {}

  /** Records `value` (null: no reading) at epoch second `second`, and returns the lowest of the last `seconds`; null when there is none. */
  read(value: number | null, second: number): number | null {
    const lows = this.lows;
    if (value !== null) {
      const last = lows.at(-1);
      if (last?.second === second) last.value = Math.min(last.value, value);
      else lows.push({ second, value });
    }
    while (lows.length > 0 && lows[0]!.second <= second - this.seconds) lows.shift();
    return lows.length === 0 ? null : lows.reduce((low, l) => Math.min(low, l.value), Infinity);
  }
}
