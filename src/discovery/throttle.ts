/**
 * A run's pacing: each statement first passes `gate()`, which waits as throttleDecision says
 * for the latest signals (host health, the proxy's loop delay, live traffic's transaction
 * time) and the wait it chose last time (the feedback controller's state, kept here so the
 * decision stays a pure function). Waiting uses timers only (no event carries "latency went
 * back down"), and every wait ends early when the run is cancelled.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { DiscoveryError } from './errors.js';
import { throttleDecision, type Strategy, type ThrottleBaseline, type ThrottleSignals } from './strategy.js';

/** A held run gives up after this long with the host unavailable. */
const HOLD_LIMIT_MS = 10 * 60_000;
/**
 * Live traffic's baseline is the lowest mean of this many recent seconds, not of the whole
 * run: traffic's calm level drifts (on the bench it rose 10 % within a minute with discovery
 * all but idle), and a baseline that cannot follow it pins the controller at its longest
 * wait. While the controller waits, the run hardly loads the host, so the lowest mean of the
 * last half-minute is where traffic stands without it.
 */
const TRAFFIC_BASELINE_S = 30;

export class Throttle {
  private readonly baseline: ThrottleBaseline = { hostLatencyMs: null, loopDelayMs: null, trafficMs: null };
  /** The lowest traffic mean of each recent second (the epoch second it was read in). */
  private readonly trafficLows: { second: number; ms: number }[] = [];
  /** The last gate's wait: where the controller grows or decays from. */
  private delayMs: number;

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
    this.baseline.trafficMs = this.trafficBaseline(now.trafficMs, Math.floor(Date.now() / 1000));
    return now;
  }

  private trafficBaseline(ms: number | null, second: number): number | null {
    const lows = this.trafficLows;
    if (ms !== null) {
      const last = lows.at(-1);
      if (last?.second === second) last.ms = Math.min(last.ms, ms);
      else lows.push({ second, ms });
    }
    while (lows.length > 0 && lows[0]!.second <= second - TRAFFIC_BASELINE_S) lows.shift();
    return lows.length === 0 ? null : lows.reduce((low, l) => Math.min(low, l.ms), Infinity);
  }

  /** Datasets to work on at once right now. */
  concurrency(): number {
    return throttleDecision(this.strategy, this.read(), this.baseline, this.delayMs).concurrency;
  }

  async gate(): Promise<void> {
    const started = Date.now();
    for (;;) {
      this.throwIfCancelled();
      const d = throttleDecision(this.strategy, this.read(), this.baseline, this.delayMs);
      this.delayMs = d.delayMs;
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
