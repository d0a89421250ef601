/** Small figures shared by the alternating-rounds benches (scrape, tls). */
import type { RunResult } from './pgbench.js';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The run's tps; a failed pgbench run ends the bench with its error. */
export function tps(result: RunResult): number {
  if (!result.ok) throw new Error(`pgbench failed: ${result.error}`);
  return result.tps;
}
