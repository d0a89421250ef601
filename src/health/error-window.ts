/**
 * Successes and failures over a sliding time window, kept in a ring of time buckets: O(1)
 * per outcome, no allocation, and old outcomes age out even when no traffic arrives.
 */
export class ErrorWindow {
  private readonly bucketMs: number;
  /** The bucket number (time ÷ bucketMs) each slot currently counts; -1 when never used. */
  private readonly epochs: Float64Array;
  private readonly ok: Uint32Array;
  private readonly failed: Uint32Array;

  constructor(windowMs: number, buckets: number) {
    this.bucketMs = windowMs / buckets;
    this.epochs = new Float64Array(buckets).fill(-1);
    this.ok = new Uint32Array(buckets);
    this.failed = new Uint32Array(buckets);
  }

  success(now: number): void { this.ok[this.slot(now)]++; }

  failure(now: number): void { this.failed[this.slot(now)]++; }

  /** Outcomes within the window ending at `now`. */
  total(now: number): number { return this.sum(now, this.ok) + this.sum(now, this.failed); }

  failures(now: number): number { return this.sum(now, this.failed); }

  /** Failures ÷ outcomes in the window; 0 without outcomes. */
  rate(now: number): number {
    const failures = this.sum(now, this.failed);
    const all = failures + this.sum(now, this.ok);
    return all === 0 ? 0 : failures / all;
  }

  clear(): void {
    this.epochs.fill(-1);
    this.ok.fill(0);
    this.failed.fill(0);
  }

  private slot(now: number): number {
    const epoch = Math.floor(now / this.bucketMs);
    const slot = epoch % this.epochs.length;
    if (this.epochs[slot] !== epoch) {
      this.epochs[slot] = epoch;
      this.ok[slot] = 0;
      this.failed[slot] = 0;
    }
    return slot;
  }

  private sum(now: number, counts: Uint32Array): number {
    const oldest = Math.floor(now / this.bucketMs) - this.epochs.length;
    let n = 0;
    for (let i = 0; i < counts.length; i++) if ((this.epochs[i] as number) > oldest) n += counts[i] as number;
    return n;
  }
}
