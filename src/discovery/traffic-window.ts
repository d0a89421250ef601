/**
 * What live traffic feels through Sluice, as discovery's throttle reads it: the mean and p99
 * transaction time of the pools that share the run's database host, over the last 3 s. They
 * are computed from the pools' running totals (LatencyHistogram sumUs, count and buckets),
 * read by the main thread's feed timer while a run is active; the forwarding path does no
 * extra work for them. The p99 is the figure live traffic's owners watch; the mean moves only
 * as much as throughput does (a closed-loop client's mean is its clients over its rate), so a
 * few delayed transactions show in the p99 long before they show in the mean.
 *
 * Transactions rather than queries: a transaction's time runs from its first query to the
 * ReadyForQuery that ends it, so it also holds the client round trips between statements,
 * where a proxy or client starved of CPU shows first; and it is the unit pgbench and most
 * applications measure their latency in.
 */
import { histogramQuantileUs } from '../pool/latency-histogram.js';

/** Running totals of transactions that ended, as the pools keep them (LatencyHistogram). */
export interface TrafficTotals {
  sumUs: number;
  count: number;
  /** Transactions per LATENCY_BOUNDS_US bucket, the last one +Inf. */
  buckets: readonly number[];
}

/** What live traffic felt over the window. */
export interface TrafficFigures {
  meanMs: number;
  /** As Prometheus' histogram_quantile would estimate it from the pools' buckets. */
  p99Ms: number;
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

interface Reading { at: number; sumUs: number; count: number; buckets: readonly number[] }

export class TrafficWindow {
  private readonly readings: Reading[] = [];

  /**
   * Records the totals now and returns the transaction times over the last WINDOW_MS; null
   * until a whole window has been seen, or with too few transactions in it.
   */
  sample(totals: TrafficTotals | null, now: number): TrafficFigures | null {
    if (totals === null) {
      this.readings.length = 0;
      return null;
    }
    const last = this.readings.at(-1);
    // A pool closed by a reload takes its totals with it: start the window again.
    if (last !== undefined && (totals.count < last.count || totals.sumUs < last.sumUs)) this.readings.length = 0;
    this.readings.push({ at: now, sumUs: totals.sumUs, count: totals.count, buckets: totals.buckets });
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
    const inWindow = totals.buckets.map((n, i) => n - (from.buckets[i] ?? 0));
    return { meanMs: (totals.sumUs - from.sumUs) / count / 1_000, p99Ms: histogramQuantileUs(inWindow, 0.99)! / 1_000 };
  }
}

/** Live traffic's calm level for one figure, and how much that figure wanders by itself. */
export interface Calm {
  /** The lowest reading of the recent seconds, or the latest reading taken while the run was idle if that is higher. */
  low: number;
  /** A robust standard deviation of the recent per-second readings (1.4826 × their median absolute deviation); 0 until there are MIN_SPREAD_SECONDS of them. */
  spread: number;
}

/** Fewer seconds than this make no spread: one or two readings have no deviation worth the name. */
export const MIN_SPREAD_SECONDS = 5;

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Live traffic's calm level over the last `seconds` seconds: the lowest reading, and the
 * spread of the per-second readings.
 *
 * The lowest, not the lowest of the whole run: traffic's calm level drifts (on the bench it
 * rose 10 % within a minute with discovery all but idle), and a baseline that cannot follow it
 * pins the controller at its longest wait. While the controller waits, the run hardly loads
 * the host, so the lowest of the last half-minute is where traffic stands without it.
 *
 * The spread, because the lowest of thirty noisy seconds sits about two deviations under the
 * typical one: on a machine where the 3 s mean wanders ±15 % by itself (as the bench VM did on
 * 2026-11-30, with pgbench alone), every ordinary reading looked like a rise over it, the
 * controller held the run at its longest wait and 10,000 tables would have taken over an hour.
 * The MAD is robust: a few spikes the run causes do not widen it much.
 *
 * A reading taken while the run was idle for a whole window (`idle()`) is what traffic feels
 * without discovery, by definition, so it raises the calm level to itself until it ages out:
 * when traffic's own level climbs (it did, 2.7 → 4.9 ms p99 in two minutes with discovery
 * stopped, on the 2026-11-30 VM), the lowest of thirty seconds lags behind and every reading
 * looks like a rise the run caused; the controller then waits, and its first long wait shows
 * the rise is not the run's.
 */
export class CalmLevel {
  /** The lowest reading of each second that had one, oldest first. */
  private readonly lows: { second: number; value: number }[] = [];
  /** The latest reading taken while the run was idle, with its epoch second. */
  private idleReading: { second: number; value: number } | null = null;

  constructor(private readonly seconds: number) {}

  /** Records `value`, read at epoch second `second` after the run did nothing for a whole window. */
  idle(value: number, second: number): void {
    this.idleReading = { second, value };
  }

  /** Records `value` (null: no reading) at epoch second `second`, and returns the calm level of the last `seconds`; null when there is no reading in them. */
  read(value: number | null, second: number): Calm | null {
    const lows = this.lows;
    if (value !== null) {
      const last = lows.at(-1);
      if (last?.second === second) last.value = Math.min(last.value, value);
      else lows.push({ second, value });
    }
    while (lows.length > 0 && lows[0]!.second <= second - this.seconds) lows.shift();
    if (this.idleReading !== null && this.idleReading.second <= second - this.seconds) this.idleReading = null;
    if (lows.length === 0) return null;
    const sorted = lows.map((l) => l.value).sort((a, b) => a - b);
    const low = Math.max(sorted[0]!, this.idleReading?.value ?? 0);
    if (sorted.length < MIN_SPREAD_SECONDS) return { low, spread: 0 };
    const mid = median(sorted);
    const deviations = sorted.map((v) => Math.abs(v - mid)).sort((a, b) => a - b);
    return { low, spread: 1.4826 * median(deviations) };
  }
}
