/**
 * How hard a run may lean on a source. A strategy sets the starting knobs; the throttle then
 * adapts them to what live traffic feels, read-only: when the source host's latency (src/health)
 * or the proxy's own event-loop delay rises above where it stood at the start of the run,
 * discovery waits longer between statements and drops to one at a time; when the host is down
 * or draining, it holds.
 */
import type { HealthReading } from '../health/types.js';

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
}

export const STRATEGY_PRESETS: Readonly<Record<StrategyName, Strategy>> = {
  conservative: { name: 'conservative', concurrency: 1, sampleRows: 200, statementTimeoutMs: 5_000, pauseMs: 200, sampleViews: false, scanCount: 100, sampleKeys: 2_000, sampleObjects: 2, sampleBytes: 256 * 1024, maxValueLength: 256, latencyTolerance: 1.2 },
  balanced: { name: 'balanced', concurrency: 1, sampleRows: 1_000, statementTimeoutMs: 15_000, pauseMs: 20, sampleViews: false, scanCount: 500, sampleKeys: 10_000, sampleObjects: 4, sampleBytes: 1024 * 1024, maxValueLength: 512, latencyTolerance: 1.5 },
  aggressive: { name: 'aggressive', concurrency: 4, sampleRows: 5_000, statementTimeoutMs: 60_000, pauseMs: 0, sampleViews: true, scanCount: 1_000, sampleKeys: 50_000, sampleObjects: 8, sampleBytes: 4 * 1024 * 1024, maxValueLength: 1_024, latencyTolerance: 3 },
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
 * What live traffic feels right now: the source host's health (null where none is kept) and
 * the proxy's own event-loop delay, p99 in ms over the last second (null until measured).
 * A run in a worker thread cannot block the proxy's loop, but it still takes CPU from it.
 */
export interface ThrottleSignals {
  host: HealthReading | null;
  loopDelayMs: number | null;
}

/** Where both figures stood when the run started; null where there was no reading yet. */
export interface ThrottleBaseline {
  hostLatencyMs: number | null;
  loopDelayMs: number | null;
}

/** How far a figure has climbed over its baseline, both floored so noise makes no ratio. */
function rise(now: number | null, baseline: number | null, floor: number): number {
  if (now === null) return 1;
  return Math.max(now, floor) / Math.max(baseline ?? now, floor);
}

export function throttleDecision(strategy: Strategy, signals: ThrottleSignals, baseline: ThrottleBaseline): ThrottleDecision {
  const calm = { delayMs: strategy.pauseMs, concurrency: strategy.concurrency, hold: false };
  const { host } = signals;
  if (host?.state === 'down' || host?.state === 'draining' || host?.state === 'half-open') return { delayMs: MAX_DELAY_MS, concurrency: 1, hold: true };
  const ratio = Math.max(
    rise(host === null ? null : host.latencyEwma, baseline.hostLatencyMs, LATENCY_FLOOR_MS),
    rise(signals.loopDelayMs, baseline.loopDelayMs, LOOP_DELAY_FLOOR_MS),
  );
  const degraded = host?.state === 'degraded';
  if (ratio <= strategy.latencyTolerance && !degraded) return calm;
  // Back off in proportion to how far over tolerance the worse figure is, squared so a clear slow-down bites.
  const over = Math.max(ratio / strategy.latencyTolerance, degraded ? 2 : 1);
  const delayMs = Math.min(MAX_DELAY_MS, Math.max(strategy.pauseMs, 50) * over * over);
  return { delayMs: Math.round(delayMs), concurrency: 1, hold: false };
}
