/**
 * A run's pacing: each statement first passes `gate()`, which waits as throttleDecision says
 * for the latest signals (host health, the proxy's loop delay, live traffic's transaction
 * time) and the wait it chose last time, with when it chose it (the feedback controller's
 * state, kept here so the decision stays a pure function). Waiting uses timers only (no event carries "latency went
 * back down"), and every wait ends early when the run is cancelled. An operator's pause is not
 * a signal but the run's state: while it lasts the gate lets no statement start.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { DiscoveryError } from './errors.js';
import { throttleDecision, type Strategy, type ThrottleBaseline, type ThrottleSignals } from './strategy.js';
import { CalmLevel, WINDOW_MS } from './traffic-window.js';

/** A held run gives up after this long with the host unavailable. */
const HOLD_LIMIT_MS = 10 * 60_000;
/** Live traffic's calm level: of this many recent seconds (CalmLevel says why). */
const TRAFFIC_BASELINE_S = 30;
/**
 * A wait this long with no statement started in it leaves a traffic window with none of the
 * run's work in it: the window, and the main thread's feed interval (100 ms) twice over, since
 * the figures reach the worker up to one interval late.
 */
const IDLE_READING_MS = WINDOW_MS + 200;
/** How often a paused gate looks again: the pause is a flag in the run's progress (set by the worker), not an event it could await. */
const PAUSE_POLL_MS = 50;

/** The part of the run's progress the throttle shares: a RunProgress, or just the counter where no one pauses. */
export interface GateState {
  /** Times the run waited longer than its strategy's pause, counted live. */
  slowdowns: number;
  /** True while an operator has the run paused. */
  paused?: boolean;
  /** Time the run has spent held by pauses, kept up to date here while it is held. */
  pausedMs?: number;
}

export class Throttle {
  private readonly baseline: ThrottleBaseline = { hostLatencyMs: null, loopDelayMs: null, trafficMean: null, trafficP99: null };
  private readonly trafficMean = new CalmLevel(TRAFFIC_BASELINE_S);
  private readonly trafficP99 = new CalmLevel(TRAFFIC_BASELINE_S);
  /** The last gate's wait: where the controller grows or decays from. */
  private delayMs: number;
  /** When the last gate decided (epoch ms): the controller moves per second, not per decision. */
  private decidedAt = Date.now();
  /** When a gate last let a statement go (epoch ms). */
  private releasedAt = 0;
  /** Lanes held by a pause now, since when the first of them was, and the time held before: pausedMs is wall time, not per lane. */
  private pausedLanes = 0;
  private pausedSince = 0;
  private pausedBeforeMs = 0;

  constructor(
    private readonly strategy: Strategy,
    private readonly signals: () => ThrottleSignals,
    private readonly signal: AbortSignal,
    private readonly counts: GateState,
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

  /** Waits until statement `lane` (0 for a run without lanes) may start. */
  async gate(lane = 0): Promise<void> {
    let heldSince: number | null = null;
    for (;;) {
      // After a pause the wait is decided afresh: the signals may have moved meanwhile.
      const pausedMs = await this.holdWhilePaused();
      // Time paused is the operator's, not the host's: it does not count toward HOLD_LIMIT_MS.
      if (heldSince !== null) heldSince += pausedMs;
      this.throwIfCancelled();
      const now = Date.now();
      const d = throttleDecision(this.strategy, this.read(), this.baseline, this.delayMs, now - this.decidedAt);
      this.delayMs = d.delayMs;
      this.decidedAt = now;
      if (d.delayMs > this.strategy.pauseMs) this.counts.slowdowns++;
      const waitedFrom = Date.now();
      if (d.delayMs > 0) await delay(d.delayMs, undefined, { signal: this.signal }).catch(() => {});
      // Cancelled during the wait: the statement the gate was guarding must not run.
      this.throwIfCancelled();
      // Other lanes sit out while the wait is this long; if none started a statement either, traffic's figures now are traffic without the run.
      if (d.delayMs >= IDLE_READING_MS && this.releasedAt <= waitedFrom) this.readIdle();
      // Paused during the wait: the statement must not start; the top of the loop holds it.
      if (this.counts.paused === true) continue;
      // Lanes past the current concurrency sit out while the host is busy, and rejoin after.
      if (!d.hold && (lane === 0 || lane < this.concurrency())) {
        this.releasedAt = Date.now();
        return;
      }
      if (!d.hold) continue;
      heldSince ??= now;
      if (Date.now() - heldSince > HOLD_LIMIT_MS) throw new DiscoveryError('SLUICE_DISCOVERY_BUSY', 'the source host stayed unavailable; discovery gave up and will try again on its next run');
    }
  }

  /** Waits while the run is paused and says how long (ms); a cancellation ends the wait at once. */
  private async holdWhilePaused(): Promise<number> {
    if (this.counts.paused !== true) return 0;
    const from = Date.now();
    if (this.pausedLanes++ === 0) this.pausedSince = from;
    try {
      while (this.counts.paused === true && !this.signal.aborted) {
        await delay(PAUSE_POLL_MS, undefined, { signal: this.signal }).catch(() => {});
        this.counts.pausedMs = this.pausedBeforeMs + Date.now() - this.pausedSince;
      }
    } finally {
      if (--this.pausedLanes === 0) this.pausedBeforeMs += Date.now() - this.pausedSince;
    }
    return Date.now() - from;
  }

  private readIdle(): void {
    const traffic = this.signals().traffic;
    if (traffic === null) return;
    const second = Math.floor(Date.now() / 1000);
    this.trafficMean.idle(traffic.meanMs, second);
    this.trafficP99.idle(traffic.p99Ms, second);
  }

  private throwIfCancelled(): void {
    if (this.signal.aborted) throw new DiscoveryError('SLUICE_DISCOVERY_CANCELLED', 'discovery run cancelled');
  }
}
