/**
 * Profiling and classification off the event loop: a small piscina pool running
 * analysis-worker. One thread by default; the proxy shares the machine and comes first.
 */
import { Piscina } from 'piscina';
import type { FieldAnalysis } from './catalog/records.js';
import type { AnalysisTask } from './analysis-worker.js';

export interface Analyzer {
  analyse(task: AnalysisTask): Promise<Record<string, FieldAnalysis>>;
  close(): Promise<void>;
}

// Under the TypeScript test loader this module is a .ts file, and so is its worker.
const WORKER = new URL(import.meta.url.endsWith('.ts') ? './analysis-worker.ts' : './analysis-worker.js', import.meta.url);

export function workerAnalyzer(maxThreads = 1): Analyzer {
  const pool = new Piscina<AnalysisTask, Record<string, FieldAnalysis>>({
    filename: WORKER.href, minThreads: 0, maxThreads, idleTimeout: 30_000,
  });
  return {
    analyse: (task) => pool.run(task),
    close: () => pool.destroy(),
  };
}
