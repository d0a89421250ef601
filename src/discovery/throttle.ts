/**
 * A run's pacing: each statement first passes `gate()`, which waits as throttleDecision says
 * for the host's current health. Waiting uses timers only (no health event carries "latency
 * went back down"), and every wait ends early when the run is cancelled.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { HealthReading } from '../health/types.js';
import { DiscoveryError } from './errors.js';
import { throttleDecision, type Strategy } from './strategy.js';

/** A held run gives up after this long with the host unavailable. */
const HOLD_LIMIT_MS = 10 * 60_000;

export class Throttle {
  private readonly baseline: number | null;
  /** Times the run waited longer than its strategy's pause, for the run's figures. */
  slowdowns = 0;

  constructor(
    private readonly strategy: Strategy,
    private readonly health: () => HealthReading | null,
    private readonly signal: AbortSignal,
  ) {
    const r = health();
    this.baseline = r && r.latencyEwma > 0 ? r.latencyEwma : null;
  }

  /** Datasets to work on at once right now. */
  concurrency(): number {
    return throttleDecision(this.strategy, this.health(), this.baseline).concurrency;
  }

  async gate(): Promise<void> {
    const started = Date.now();
    for (;;) {
      this.throwIfCancelled();
      const d = throttleDecision(this.strategy, this.health(), this.baseline);
      if (d.delayMs > this.strategy.pauseMs) this.slowdowns++;
      if (d.delayMs > 0) await delay(d.delayMs, undefined, { signal: this.signal }).catch(() => {});
      // Cancelled during the wait: the statement the gate was guarding must not run.
      this.throwIfCancelled();
      if (!d.hold) return;
      if (Date.now() - started > HOLD_LIMIT_MS) throw new DiscoveryError('SLUICE_DISCOVERY_BUSY', 'the source host stayed unavailable; discovery gave up and will try again on its next run');
    }
  }

  private throwIfCancelled(): void {
    if (this.signal.aborted) throw new DiscoveryError('SLUICE_DISCOVERY_CANCELLED', 'discovery run cancelled');
  }
}
