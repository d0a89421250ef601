/** pgbench: preparing the `bench` database and one timed run with per-transaction latencies. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runCommand } from './proc.js';

export const BENCH_USER = 'bench';
export const BENCH_PASSWORD = 'bench';
export const BENCH_DB = 'bench';
export const SCALE = 10;

export type Script = 'select-only' | 'tpcb-like';
export type QueryMode = 'simple' | 'extended' | 'prepared';

export interface RunSpec {
  script: Script;
  mode: QueryMode;
  port: number;
  clients: number;
  threads: number;
  seconds: number;
  /** Extra libpq environment, e.g. PGSSLMODE=require. */
  env?: Record<string, string>;
}

export type RunResult =
  | { ok: true; tps: number; avgMs: number; p50Ms: number; p99Ms: number; transactions: number }
  | { ok: false; error: string };

/** Initializes pgbench tables at SCALE unless they are already there (as role bench, directly). */
export async function ensureBenchData(): Promise<'reused' | 'created'> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: BENCH_USER, password: BENCH_PASSWORD, database: BENCH_DB });
  await client.connect();
  let branches = 0;
  try {
    const { rows } = await client.query<{ n: number }>(
      "SELECT CASE WHEN to_regclass('pgbench_branches') IS NULL THEN 0 ELSE (SELECT count(*)::int FROM pgbench_branches) END AS n");
    branches = rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
  if (branches === SCALE) return 'reused';
  const init = await runCommand('pgbench', ['-i', '-s', String(SCALE), '-q', '-h', '127.0.0.1', '-p', '5432', '-U', BENCH_USER, BENCH_DB]);
  if (init.code !== 0) throw new Error(`pgbench -i failed: ${firstErrorLine(init.stderr)}`);
  return 'created';
}

export async function runPgbench(spec: RunSpec): Promise<RunResult> {
  const logDir = await mkdtemp(join(tmpdir(), 'sluice-pgbench-'));
  try {
    const args = [
      '-h', '127.0.0.1', '-p', String(spec.port), '-U', BENCH_USER,
      '-c', String(spec.clients), '-j', String(spec.threads), '-T', String(spec.seconds),
      '-M', spec.mode, '-n', // -n: no VACUUM through a pooler; the tables are vacuumed at init
      '-l', `--log-prefix=${join(logDir, 'tx')}`,
      ...(spec.script === 'select-only' ? ['-S'] : []),
      BENCH_DB,
    ];
    // Connecting 1000 clients takes a while; a hung target must not hang the benchmark.
    const result = await runCommand('pgbench', args, { timeoutMs: (spec.seconds + 120) * 1000, ...(spec.env && { env: { ...process.env, ...spec.env } }) });
    if (result.timedOut) return { ok: false, error: `timed out after ${spec.seconds + 120} s` };
    const tps = Number(/^tps = ([\d.]+)/m.exec(result.stdout)?.[1]);
    const avgMs = Number(/^latency average = ([\d.]+) ms/m.exec(result.stdout)?.[1]);
    if (result.code !== 0 || !Number.isFinite(tps)) {
      return { ok: false, error: firstErrorLine(result.stderr || result.stdout) };
    }
    const latencies = await readLatenciesMs(logDir);
    return { ok: true, tps, avgMs, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), transactions: latencies.length };
  } finally {
    await rm(logDir, { recursive: true, force: true });
  }
}

/**
 * pgbench -l writes one line per transaction, one file per thread:
 * "client_id transaction_no time_us script_no epoch epoch_us"; time is "failed" or
 * "skipped" for transactions that did not complete.
 */
async function readLatenciesMs(logDir: string): Promise<Float64Array> {
  const values: number[] = [];
  for (const file of await readdir(logDir)) {
    const text = await readFile(join(logDir, file), 'utf8');
    for (const line of text.split('\n')) {
      const micros = Number(line.split(' ', 3)[2]);
      if (Number.isFinite(micros)) values.push(micros / 1000);
    }
  }
  return Float64Array.from(values).sort();
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;
}

export function firstErrorLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.find((l) => /error|fatal|abort/i.test(l)) ?? lines[0] ?? 'no output';
}
