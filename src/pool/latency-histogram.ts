/**
 * A fixed-bucket latency histogram for the forwarding path: one array increment per
 * observation and no allocation, read on scrape. prom-client's Histogram looks its label set
 * up in a map on every observe(), which is the per-query cost DESIGN's hot-path rule forbids.
 */

/** Upper bounds in microseconds, Prometheus' usual 1-2.5-5 steps from 100µs to 10s. */
export const LATENCY_BOUNDS_US: readonly number[] = [
  100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000,
];

export class LatencyHistogram {
  /** counts[i]: observations ≤ LATENCY_BOUNDS_US[i] and above the bound before; the last slot is +Inf. */
  readonly counts: number[] = new Array<number>(LATENCY_BOUNDS_US.length + 1).fill(0);
  sumUs = 0;

  observe(us: number): void {
    this.sumUs += us;
    // Most observations are under a few ms, so a forward scan ends within a few steps.
    let i = 0;
    while (i < LATENCY_BOUNDS_US.length && us > LATENCY_BOUNDS_US[i]!) i++;
    this.counts[i]!++;
  }

  /** Adds `other`'s observations into this one (a view summing several pools' histograms). */
  add(other: LatencyHistogram): void {
    for (let i = 0; i < other.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.sumUs += other.sumUs;
  }

  get count(): number {
    let n = 0;
    for (const c of this.counts) n += c;
    return n;
  }
}

/**
 * The q-quantile (0 < q ≤ 1) in microseconds of observations counted in LATENCY_BOUNDS_US
 * buckets, estimated as Prometheus' histogram_quantile does: linear within the bucket the
 * quantile falls in (the first bucket starts at 0), and the highest finite bound when it falls
 * in +Inf. Null with no observations.
 */
export function histogramQuantileUs(counts: readonly number[], q: number): number | null {
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const inBucket = counts[i]!;
    if (below + inBucket >= rank && inBucket > 0) {
      if (i >= LATENCY_BOUNDS_US.length) return LATENCY_BOUNDS_US.at(-1)!;
      const low = i === 0 ? 0 : LATENCY_BOUNDS_US[i - 1]!;
      return low + (LATENCY_BOUNDS_US[i]! - low) * ((rank - below) / inBucket);
    }
    below += inBucket;
  }
  return LATENCY_BOUNDS_US.at(-1)!;
}
