/**
 * When will a pool's wait queue start to grow (issue 4 item 8)? Demand (connections leased
 * plus clients queued) over the pool size is sampled, averaged per second, and a least-squares
 * line through the last minutes of those averages is extended to 1.0: the moment demand meets
 * the pool's size and clients start to queue. Rising load is seen before any client waits,
 * which is when an operator can still grow the pool or shed load.
 * Fixed-size ring buffers: sampling allocates nothing.
 */

export interface ForecastOptions {
  /** How far back the trend looks. Default 5 minutes. */
  windowMs?: number;
  /** One averaged point per this many ms. Default 1 s. */
  bucketMs?: number;
  /** Points needed before any forecast is made. Default 10. */
  minPoints?: number;
}

export class QueueForecast {
  private readonly bucketMs: number;
  private readonly minPoints: number;
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  private head = 0;
  private count = 0;
  private bucket = -1;
  private bucketSum = 0;
  private bucketSamples = 0;

  constructor(options: ForecastOptions = {}) {
    this.bucketMs = options.bucketMs ?? 1000;
    this.minPoints = options.minPoints ?? 10;
    const points = Math.max(2, Math.ceil((options.windowMs ?? 300_000) / this.bucketMs));
    this.times = new Float64Array(points);
    this.values = new Float64Array(points);
  }

  /** Record demand (leased + queued) against the pool's size at clock time `now` (ms). */
  sample(now: number, demand: number, size: number): void {
    const bucket = Math.floor(now / this.bucketMs);
    if (bucket !== this.bucket) {
      this.commit();
      this.bucket = bucket;
    }
    this.bucketSum += size > 0 ? demand / size : 1;
    this.bucketSamples++;
  }

  /**
   * Seconds until demand reaches the pool size on the current trend: 0 when it already has,
   * Infinity when it is flat or falling, or too few points are known yet.
   */
  secondsUntilQueue(): number {
    const n = this.count;
    if (n < this.minPoints) return Infinity;
    const cap = this.times.length;
    let st = 0, sv = 0;
    for (let i = 0; i < n; i++) {
      const at = (this.head - n + i + cap) % cap;
      st += this.times[at]!;
      sv += this.values[at]!;
    }
    const mt = st / n, mv = sv / n;
    let cov = 0, vart = 0;
    for (let i = 0; i < n; i++) {
      const at = (this.head - n + i + cap) % cap;
      const dt = this.times[at]! - mt;
      cov += dt * (this.values[at]! - mv);
      vart += dt * dt;
    }
    const last = (this.head - 1 + cap) % cap;
    if (this.values[last]! >= 1) return 0;
    if (vart === 0 || cov <= 0) return Infinity;
    const slopePerMs = cov / vart;
    const fittedNow = mv + slopePerMs * (this.times[last]! - mt);
    return Math.max(0, (1 - fittedNow) / slopePerMs / 1000);
  }

  /** Close the current bucket into one point. */
  private commit(): void {
    if (this.bucketSamples === 0) return;
    const cap = this.times.length;
    this.times[this.head] = this.bucket * this.bucketMs;
    this.values[this.head] = this.bucketSum / this.bucketSamples;
    this.head = (this.head + 1) % cap;
    if (this.count < cap) this.count++;
    this.bucketSum = 0;
    this.bucketSamples = 0;
  }
}
