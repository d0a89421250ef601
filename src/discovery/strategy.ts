/**
 * How hard a run may lean on a source. A strategy sets the starting knobs; the throttle then
 * adapts them to what live traffic feels, read-only: when the source host's latency (src/health)
 * or the proxy's own event-loop delay rises above where it stood at the start of the run,
 * discovery waits longer between statements and drops to one at a time; when the host is down
 * or draining, it holds. On top of those, a feedback controller follows the mean and p99
 * transaction time of live traffic through Sluice to the same host: while either is over its
 * calm level by more than the strategy tolerates (and by more than its own noise), the wait
 * grows multiplicatively, and under it, it decays back to the strategy's pause. Both move per
 * second of wall time, not per statement (see BACKOFF_GROWTH_PER_S).
 */
import type { HealthReading } from '../health/types.js';
import type { Calm, TrafficFigures } from './traffic-window.js';

export const STRATEGIES = ['conservative', 'balanced', 'aggressive'] as const;
export type StrategyName = typeof STRATEGIES[number];

export interface Strategy {
  name: StrategyName;
  /** Datasets sampled at once. */
  concurrency: number;
  sampleRows: number;
  statementTimeoutMs: number;
  /** Pause after each statement (sample, containment check, scan batch). */
  pauseMs: number;
  /** Views run their query when sampled; only aggressive runs pay that. */
  sampleViews: boolean;
  scanCount: number;
  sampleKeys: number;
  /** Object stores: objects read per dataset, and bytes of each (ranged GETs, so a huge object costs no more). */
  sampleObjects: number;
  sampleBytes: number;
  maxValueLength: number;
  /** Latency over the run's baseline by this factor starts slowing down. */
  latencyTolerance: number;
  /** Live traffic's mean transaction time over its calm level by this factor makes the controller back off. */
  trafficTolerance: number;
}

export const STRATEGY_PRESETS: Readonly<Record<StrategyName, Strategy>> = {
  conservative: { name: 'conservative', concurrency: 1, sampleRows: 200, statementTimeoutMs: 5_000, pauseMs: 200, sampleViews: false, scanCount: 100, sampleKeys: 2_000, sampleObjects: 2, sampleBytes: 256 * 1024, maxValueLength: 256, latencyTolerance: 1.2, trafficTolerance: 1.05 },
  balanced: { name: 'balanced', concurrency: 1, sampleRows: 1_000, statementTimeoutMs: 15_000, pauseMs: 20, sampleViews: false, scanCount: 500, sampleKeys: 10_000, sampleObjects: 4, sampleBytes: 1024 * 1024, maxValueLength: 512, latencyTolerance: 1.5, trafficTolerance: 1.1 },
  aggressive: { name: 'aggressive', concurrency: 4, sampleRows: 5_000, statementTimeoutMs: 60_000, pauseMs: 0, sampleViews: true, scanCount: 1_000, sampleKeys: 50_000, sampleObjects: 8, sampleBytes: 4 * 1024 * 1024, maxValueLength: 1_024, latencyTolerance: 3, trafficTolerance: 1.5 },
};

export interface ThrottleDecision {
  /** Wait this long before the next statement. */
  delayMs: number;
  concurrency: number;
  /** The host cannot take discovery now: wait and ask again. */
  hold: boolean;
}

/** Most a single pause grows to, so a run slowed by a spike recovers within seconds of it ending. */
export const MAX_DELAY_MS = 5_000;
/** Below this the EWMA is noise (a loopback server), and ratios of it mean nothing. */
const LATENCY_FLOOR_MS = 1;
/** Below this the proxy's loop delay is timer jitter, not work waiting. */
export const LOOP_DELAY_FLOOR_MS = 1;
/**
 * The controller's rates, per second of wall time rather than per decision. Per decision (as
 * first built: ×1.5 per statement over, ×0.8 of the excess per statement under) the controller
 * ratcheted: the traffic figures cover the last 3 s, so one rise stays "over" for 3 s, and at
 * 20 ms statements that is 150 decisions, ×1.5 each, straight to the longest wait; coming down,
 * each decision followed a 5 s wait, so 25 decisions took two minutes. On the 2026-11-30 VM the
 * balanced run spent 84–91 % of its statements waiting and crawled at 3–4 tables a second.
 * Per second, a rise that holds for the whole 3 s window takes the wait from 50 ms to about
 * 3 s, and a second of calm takes any wait back to within a tenth of its excess.
 */
export const BACKOFF_GROWTH_PER_S = 4;
/** Share of the wait above the strategy's pause kept after one second of calm traffic. */
export const BACKOFF_DECAY_PER_S = 0.1;
/** Growth starts from at least this, so a strategy without a pause (aggressive) still backs off. */
export const BACKOFF_STEP_MS = 50;

/**
 * What live traffic feels right now: the source host's health (null where none is kept), the
 * proxy's own event-loop delay (p99 in ms over the last second, null until measured), and the
 * mean and p99 transaction time of live traffic through Sluice to the same host over the last
 * 3 s (null where Sluice pools none, or too few transactions ended to tell).
 * A run in a worker thread cannot block the proxy's loop, but it still takes CPU from it.
 */
export interface ThrottleSignals {
  host: HealthReading | null;
  loopDelayMs: number | null;
  traffic: TrafficFigures | null;
}

/** Where the figures stand when calm; null where there was no reading yet. */
export interface ThrottleBaseline {
  hostLatencyMs: number | null;
  loopDelayMs: number | null;
  /** Live traffic's mean and p99 transaction times when calm (CalmLevel). */
  trafficMean: Calm | null;
  trafficP99: Calm | null;
}

/** How far a figure has climbed over its baseline, both floored so noise makes no ratio. */
function rise(now: number | null, baseline: number | null, floor: number): number {
  if (now === null) return 1;
  return Math.max(now, floor) / Math.max(baseline ?? now, floor);
}

/**
 * A rise of live traffic counts only when it stands clear of the figure's own noise, this
 * many robust deviations over its calm level: as the calm level is the lowest recent reading,
 * about two deviations under the typical one, that is about two over the typical reading. On a
 * quiet machine (the 3 s mean wandering ±3 %) the strategy's tolerance is the higher bar and
 * decides, as before; on a noisy one the noise does, and ordinary wander no longer backs off.
 */
export const NOISE_DEVIATIONS = 4;

/** Live traffic's mean or p99 is over its calm level by more than the strategy tolerates and more than its noise. */
function trafficOver(strategy: Strategy, now: TrafficFigures | null, baseline: ThrottleBaseline): boolean {
  const over = (figure: number, calm: Calm | null) => calm !== null && calm.low > 0
    && figure > Math.max(calm.low * strategy.trafficTolerance, calm.low + NOISE_DEVIATIONS * calm.spread);
  return now !== null && (over(now.meanMs, baseline.trafficMean) || over(now.p99Ms, baseline.trafficP99));
}

/**
 * The feedback controller's next wait, `elapsedMs` after the decision that chose `previousMs`:
 * grown by BACKOFF_GROWTH_PER_S for each second while live traffic is over tolerance, its excess
 * over the strategy's pause decayed by BACKOFF_DECAY_PER_S for each second while it is not (or
 * while there is too little traffic to tell).
 */
function controlledDelay(strategy: Strategy, over: boolean, previousMs: number, elapsedMs: number): number {
  const pause = strategy.pauseMs;
  // However long the gap, the bounds hold: growth stops at MAX_DELAY_MS, decay at the pause.
  const seconds = Math.max(elapsedMs, 0) / 1_000;
  if (over) return Math.min(MAX_DELAY_MS, Math.max(previousMs, pause, BACKOFF_STEP_MS) * BACKOFF_GROWTH_PER_S ** seconds);
  // Floored, so the wait reaches the pause exactly instead of hovering a millisecond above it.
  return Math.min(MAX_DELAY_MS, Math.max(pause, pause + Math.floor((previousMs - pause) * BACKOFF_DECAY_PER_S ** seconds)));
}

/**
 * The wait before the next statement. Pure: the controller's state is the previous decision's
 * delayMs, which the caller passes back in (the strategy's pause for the first) with the time
 * since that decision.
 */
export function throttleDecision(strategy: Strategy, signals: ThrottleSignals, baseline: ThrottleBaseline, previousDelayMs: number = strategy.pauseMs, elapsedMs = 0): ThrottleDecision {
  const { host } = signals;
  if (host?.state === 'down' || host?.state === 'draining' || host?.state === 'half-open') return { delayMs: MAX_DELAY_MS, concurrency: 1, hold: true };
  const ratio = Math.max(
    rise(host === null ? null : host.latencyEwma, baseline.hostLatencyMs, LATENCY_FLOOR_MS),
    rise(signals.loopDelayMs, baseline.loopDelayMs, LOOP_DELAY_FLOOR_MS),
  );
  const degraded = host?.state === 'degraded';
  let reactiveMs = strategy.pauseMs;
  if (ratio > strategy.latencyTolerance || degraded) {
    // Back off in proportion to how far over tolerance the worse figure is, squared so a clear slow-down bites.
    const over = Math.max(ratio / strategy.latencyTolerance, degraded ? 2 : 1);
    reactiveMs = Math.min(MAX_DELAY_MS, Math.max(strategy.pauseMs, BACKOFF_STEP_MS) * over * over);
  }
  const controlledMs = controlledDelay(strategy, trafficOver(strategy, signals.traffic, baseline), previousDelayMs, elapsedMs);
  const delayMs = Math.round(Math.max(reactiveMs, controlledMs));
  // While any wait is above the strategy's pause, one dataset at a time.
  return { delayMs, concurrency: delayMs > strategy.pauseMs ? 1 : strategy.concurrency, hold: false };
}
