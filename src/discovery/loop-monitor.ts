/**
 * The proxy's own event-loop delay, as discovery's throttle reads it: what every client of
 * this process waits on before its bytes are forwarded. perf_hooks samples the loop natively;
 * this keeps the p99 of each 100 ms tick over the last second and reports their mean, so one
 * garbage collection does not halt a run and a sustained climb does.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** The native sampler's period; what it records above this is delay. */
const RESOLUTION_MS = 10;
const TICK_MS = 100;
/** Ticks averaged: one second. */
const TICKS_KEPT = 10;

export class LoopDelayMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private readonly ticks: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.histogram.enable();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    // Measuring must not keep the process alive at shutdown.
    this.timer.unref();
  }

  private tick(): void {
    if (this.histogram.count > 0) {
      this.ticks.push(Math.max(0, this.histogram.percentile(99) / 1e6 - RESOLUTION_MS));
      if (this.ticks.length > TICKS_KEPT) this.ticks.shift();
    }
    this.histogram.reset();
  }

  /** Loop delay p99 in ms, averaged over the last second; null before the first tick. */
  delayMs(): number | null {
    if (this.ticks.length === 0) return null;
    return this.ticks.reduce((sum, v) => sum + v, 0) / this.ticks.length;
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
