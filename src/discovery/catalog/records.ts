/** What the catalog store hands out: runs, field analyses and the current view of a dataset. */
import type { Classification, FieldProfile } from '../types.js';
import type { SkippedDataset } from '../progress.js';
import type { ChangeKind } from './diff.js';

export type RunStatus = 'running' | 'succeeded' | 'failed';
export type RunTrigger = 'api' | 'schedule';

export interface RunTimings { connectMs: number; introspectMs: number; analyseMs: number; relationshipsMs: number; totalMs: number }

export interface RunRecord {
  id: number;
  source: string;
  strategy: string;
  trigger: RunTrigger;
  status: RunStatus;
  startedAt: number;
  finishedAt: number | null;
  error: string | null;
  datasets: number;
  changed: number;
  profiled: number;
  /** Datasets the server refused to sample this run, with its error. */
  skipped: SkippedDataset[];
  changes: number;
  timings: RunTimings | null;
}

export interface FieldAnalysis {
  profile: FieldProfile | null;
  classifications: Classification[];
}

export interface StoredChange {
  id: number;
  runId: number;
  at: number;
  kind: ChangeKind;
  dataset: string;
  field: string | null;
  before: unknown;
  after: unknown;
}

export interface SourceSummary {
  source: string;
  lastRun: RunRecord | null;
  datasets: number;
  changesSinceDay: number;
}
