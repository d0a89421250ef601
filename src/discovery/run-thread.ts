/**
 * The main thread's half of a run in a worker (run-worker): starts the thread, feeds it the
 * throttle's signals every FEED_MS, copies its progress into the object the admin API reads,
 * passes cancellation and an operator's pause on, and turns whatever way the thread ends
 * into the run's outcome.
 * A crashed or unresponsive worker fails the run with SLUICE_DISCOVERY_WORKER; it never
 * takes the proxy down with it.
 */
import { Worker } from 'node:worker_threads';
import { DiscoveryError } from './errors.js';
import type { RunProgress } from './progress.js';
import type { FromRunWorker, RunJob, ToRunWorker } from './run-protocol.js';
import type { ThrottleSignals } from './strategy.js';

/** How often the throttle's signals reach the worker. */
const FEED_MS = 100;
/** A cancelled run that has not ended by then (a driver stuck in a call) is stopped outright. */
const CANCEL_GRACE_MS = 5_000;
/**
 * The worker's own heap cap: a run that outgrows it (a huge catalog, runaway samples) fails
 * with SLUICE_DISCOVERY_WORKER instead of growing the proxy process without bound.
 */
export const RUN_HEAP_MB = 1_024;

// Under the TypeScript test loader this module is a .ts file, and so is its worker.
const WORKER = new URL(import.meta.url.endsWith('.ts') ? './run-worker.ts' : './run-worker.js', import.meta.url);

export interface RunThreadOptions {
  job: Omit<RunJob, 'signals'>;
  /** Read on the main thread, where host health and the loop delay are measured. */
  signals: () => ThrottleSignals;
  /**
   * Kept up to date from the worker's reports, but for `paused`: that one is the operator's,
   * set here (DiscoveryService.setPaused) and passed on to the worker with the next feed.
   */
  progress: RunProgress;
  signal: AbortSignal;
  /** Default RUN_HEAP_MB. */
  heapMb?: number;
}

/** Resolves when the run has committed its version; rejects with the run's DiscoveryError otherwise. */
export function runInWorker({ job, signals, progress, signal, heapMb = RUN_HEAP_MB }: RunThreadOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: { ...job, signals: signals() } satisfies RunJob, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
    const send = (m: ToRunWorker): void => worker.postMessage(m);
    let ended: Extract<FromRunWorker, { type: 'ended' }> | null = null;
    let crash: Error | null = null;
    let killer: NodeJS.Timeout | undefined;
    let sentPaused = false;
    const feed = setInterval(() => {
      send({ type: 'signals', signals: signals() });
      if (progress.paused !== sentPaused) send({ type: (sentPaused = progress.paused) ? 'pause' : 'resume' });
    }, FEED_MS);
    const cancel = (): void => {
      send({ type: 'cancel' });
      killer = setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS);
    };
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });

    worker.on('message', (m: FromRunWorker) => {
      // A report posted before the worker saw the last pause or resume would undo it here.
      Object.assign(progress, m.progress, { paused: progress.paused });
      if (m.type !== 'ended') return;
      ended = m;
      // The worker has closed its catalog; whatever its drivers still hold open goes with the thread.
      void worker.terminate();
    });
    worker.on('error', (err) => { crash = err; });
    worker.on('exit', (exitCode) => {
      clearInterval(feed);
      clearTimeout(killer);
      signal.removeEventListener('abort', cancel);
      if (ended?.error === null) return resolve();
      if (ended) return reject(new DiscoveryError(ended.error.code, ended.error.message));
      progress.phase = 'failed';
      if (signal.aborted) return reject(new DiscoveryError('SLUICE_DISCOVERY_CANCELLED', `discovery run cancelled; its worker did not stop within ${CANCEL_GRACE_MS} ms and was terminated`));
      const why = crash === null ? `exited with code ${exitCode}` : `crashed: ${(crash as Error).message}`;
      reject(new DiscoveryError('SLUICE_DISCOVERY_WORKER', `the discovery worker thread ${why}`, { cause: crash }));
    });
  });
}
