/**
 * What the proxy's main thread and a run's worker thread say to each other. Everything here
 * is structured-cloned, so it stays plain data: no functions, no class instances.
 */
import type { ClassificationRule } from './classify/rules.js';
import type { DiscoveryTarget } from './connector.js';
import type { DiscoveryErrorCode } from './errors.js';
import type { RunProgress } from './progress.js';
import type { Strategy, ThrottleSignals } from './strategy.js';

/** The worker's workerData: one run, recorded already (`runId`), with everything it needs. */
export interface RunJob {
  runId: number;
  target: DiscoveryTarget;
  strategy: Strategy;
  /** discovery.catalog: the worker opens its own store on the same file or database. */
  catalog: string;
  rules: ClassificationRule[];
  redactSensitive: boolean;
  /** The signals at the start, the throttle's baseline; later ones arrive as messages. */
  signals: ThrottleSignals;
}

export type ToRunWorker =
  | { type: 'signals'; signals: ThrottleSignals }
  | { type: 'cancel' }
  /** An operator's pause and resume: the throttle holds at its gate until resumed. */
  | { type: 'pause' }
  | { type: 'resume' };

export type FromRunWorker =
  | { type: 'progress'; progress: RunProgress }
  /** Sent once the worker's catalog is closed; error null: the run committed its version. */
  | { type: 'ended'; progress: RunProgress; error: { code: DiscoveryErrorCode; message: string } | null };
