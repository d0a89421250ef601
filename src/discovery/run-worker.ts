/**
 * A discovery run in a worker thread of its own: driver I/O, fingerprints, diff, profiling,
 * relationship inference and the catalog writes (better-sqlite3 is synchronous) all happen on
 * this thread's loop, never on the proxy's. The main thread feeds the throttle's signals and
 * reads the progress posted here; a `cancel` message aborts the run as close/reload asks, and
 * `pause`/`resume` set the progress's `paused`, which holds the throttle's gate.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CatalogStore } from './catalog/store.js';
import { connect } from './connectors/index.js';
import { DiscoveryError } from './errors.js';
import { lowerThreadPriority } from './local-priority.js';
import { newProgress, type RunProgress } from './progress.js';
import type { FromRunWorker, RunJob, ToRunWorker } from './run-protocol.js';
import { executeRun } from './runner.js';

/** Progress is posted at most this often; the status page polls every second or so. */
const PROGRESS_MS = 200;
const port = parentPort!;
const job = workerData as RunJob;
let signals = job.signals;
const abort = new AbortController();
// On a busy machine the proxy's own thread gets the CPU first, and discovery what is left.
lowerThreadPriority();
const progress = newProgress();
port.on('message', (m: ToRunWorker) => {
  if (m.type === 'signals') signals = m.signals;
  else if (m.type === 'cancel') abort.abort();
  else progress.paused = m.type === 'pause';
});
let posted = '';
/** Cheap change check: the counters and the phase, not the skipped list's contents. */
const postProgress = (p: RunProgress): void => {
  const key = `${p.phase} ${p.datasets} ${p.toProfile} ${p.profiled} ${p.slowdowns} ${p.paused} ${p.pausedMs} ${p.skipped.length}`;
  if (key === posted) return;
  posted = key;
  port.postMessage({ type: 'progress', progress: p } satisfies FromRunWorker);
};
const reporter = setInterval(() => postProgress(progress), PROGRESS_MS);

let error: { code: DiscoveryError['code']; message: string } | null = null;
let catalog: CatalogStore | null = null;
try {
  catalog = CatalogStore.open(job.catalog, { recoverInterrupted: false });
  await executeRun({
    runId: job.runId, target: job.target, strategy: job.strategy, catalog, connect, signals: () => signals,
    rules: job.rules, redactSensitive: job.redactSensitive, signal: abort.signal, progress,
  });
} catch (err) {
  progress.phase = 'failed';
  error = err instanceof DiscoveryError ? { code: err.code, message: err.message } : { code: 'SLUICE_DISCOVERY_QUERY', message: (err as Error).message };
} finally {
  clearInterval(reporter);
  await catalog?.close().catch(() => {});
}
port.postMessage({ type: 'ended', progress, error } satisfies FromRunWorker);
