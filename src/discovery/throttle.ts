/**
 * A run's pacing: each statement first passes `gate()`, which waits as throttleDecision says
 * for the latest signals (host health, the proxy's loop delay, live traffic's transaction
 * time) and the wait it chose last time, with when it chose it (the feedback controller's
 * state, kept here so the decision stays a pure function). Waiting uses timers only (no event carries "latency went
 * back down"), and every wait ends early when the run is cancelled.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { DiscoveryError } from './errors.js';
import { throttleDecision, type Strategy, type ThrottleBaseline, type ThrottleSignals } from './strategy.js';
import { CalmLevel } from './traffic-window.js';

/** A held run gives up after this long with the host unavailable. */
const HOLD_LIMIT_MS = 10 * 60_000;
/** Live traffic's calm level: of this many recent seconds (CalmLevel says why). */
const TRAFFIC_BASELINE_S = 30;

export class Throttle {
  private readonly baseline: ThrottleBaseline = { hostLatencyMs: null, loopDelayMs: null, trafficMean: null, trafficP99: null };
  private readonly trafficMean = new CalmLevel(TRAFFIC_BASELINE_S);
  private readonly trafficP99 = new CalmLevel(TRAFFIC_BASELINE_S);
  /** The last gate's wait: where the controller grows or decays from. */
  private delayMs: number;
  /** When the last gate decided (epoch ms): the controller moves per second, not per decision. */
  private decidedAt = Date.now();

  constructor(
    private readonly strategy: Strategy,
    private readonly signals: () => ThrottleSignals,
    private readonly signal: AbortSignal,
    /** Times the run waited longer than its strategy's pause, counted live in the run's progress. */
    private readonly counts: { slowdowns: number },
  ) {
    this.delayMs = strategy.pauseMs;
    this.read();
  }

  /**
   * The current signals. The host's baseline is its first real reading; the loop's is the
   * lowest seen in the run and live traffic's the lowest of the last TRAFFIC_BASELINE_S, so a
   * run that starts in a burst (or a spike) still learns where they stand when calm: the
   * controller's own pauses bring them back down.
   */
  private read(): ThrottleSignals {
    const now = this.signals();
    if (this.baseline.hostLatencyMs === null && now.host !== null && now.host.latencyEwma > 0) this.baseline.hostLatencyMs = now.host.latencyEwma;
    if (now.loopDelayMs !== null && now.loopDelayMs < (this.baseline.loopDelayMs ?? Infinity)) this.baseline.loopDelayMs = now.loopDelayMs;
    const second = Math.floor(Date.now() / 1000);
    this.baseline.trafficMean = this.trafficMean.read(now.traffic?.meanMs ?? null, second);
    this.baseline.trafficP99 = this.trafficP99.read(now.traffic?.p99Ms ?? null, second);
    return now;
  }

  /** Datasets to work on at once right now. */
  concurrency(): number {
    return throttleDecision(this.strategy, this.read(), this.baseline, this.delayMs).concurrency;
  }

  async gate(): Promise<void> {
    const started = Date.now();
    for (;;) {
      this.throwIfCancelled();
      const now = Date.now();
      const d = throttleDecision(this.strategy, this.read(), this.baseline, this.delayMs, now - this.decidedAt);
      this.delayMs = d.delayMs;
      this.decidedAt = now;
      if (d.delayMs > this.strategy.pauseMs) this.counts.slowdowns++;
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
