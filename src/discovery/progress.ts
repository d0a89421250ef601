/** What a run in flight reports: GET /v1/discovery/runs/{id} shows it until the run ends. */
export type RunPhase = 'connecting' | 'introspecting' | 'profiling' | 'relationships' | 'saving' | 'done' | 'failed';

export interface RunProgress {
  phase: RunPhase;
  datasets: number;
  toProfile: number;
  profiled: number;
  /** Times the throttle waited longer than the strategy's pause because the host was busy. */
  slowdowns: number;
  /**
   * Paused by an operator (POST /v1/discovery/runs/{id}/pause): no new statement starts until
   * resumed; the one in flight when the pause came finishes.
   */
  paused: boolean;
  /** Time the run has spent held by pauses, ms: counted from when it stopped at its next statement. */
  pausedMs: number;
  /** Datasets the server refused to sample (first SKIPPED_KEPT), tried again next run. */
  skipped: SkippedDataset[];
}

export interface SkippedDataset { dataset: string; error: string }

export const SKIPPED_KEPT = 50;

export function newProgress(): RunProgress {
  return { phase: 'connecting', datasets: 0, toProfile: 0, profiled: 0, slowdowns: 0, paused: false, pausedMs: 0, skipped: [] };
}
