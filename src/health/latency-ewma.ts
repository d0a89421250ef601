/**
 * Exponentially weighted mean and variance of latency (West's incremental form), so a slow
 * host shows in the score within a few samples and jitter shows in the variance.
 */
export class LatencyEwma {
  mean = 0;
  variance = 0;
  samples = 0;

  constructor(private readonly alpha: number) {}

  add(ms: number): void {
    if (!(ms >= 0) || ms === Infinity) return;
    if (this.samples++ === 0) {
      this.mean = ms;
      return;
    }
    const diff = ms - this.mean;
    const step = this.alpha * diff;
    this.mean += step;
    this.variance = (1 - this.alpha) * (this.variance + diff * step);
  }
}
