/**
 * `npm run bench:discovery`: time to discover a generated PostgreSQL schema of 10,000 tables
 * with each strategy, and what it costs live traffic: pgbench select-only through Sluice (the
 * gateway that also runs the discovery, as in production, with its own health probes feeding
 * the throttle), alone, and while each strategy's run is in flight, working and paused in turn.
 * The schema lives in a database of its own, created at the start and dropped at the end.
 *
 *   DISCOVERY_TABLES=n           tables to generate (default 10000)
 *   DISCOVERY_PGBENCH_SECONDS=n  length of each pgbench window (default 10)
 *   DISCOVERY_STRATEGIES=a,b     strategies to run, in order (default aggressive, balanced,
 *                                conservative; conservative pauses 200 ms per table, over half
 *                                an hour for 10,000 tables)
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import { STRATEGIES, type StrategyName } from '../src/discovery/strategy.js';
import { machineFacts, type MachineFacts } from './machine.js';
import { BENCH_DB, BENCH_PASSWORD, BENCH_USER, ensureBenchData, runPgbench, type RunResult } from './pgbench.js';
import { freePort } from './proc.js';
import { machineLines, writeSection } from './report.js';
import { median } from './rounds.js';
import { startSluice } from './sluice.js';

const TABLES = Number(process.env['DISCOVERY_TABLES'] ?? 10_000);
const SECONDS = Number(process.env['DISCOVERY_PGBENCH_SECONDS'] ?? 10);
/** Fastest first: conservative's half hour comes last, after the others' figures are in. */
const DEFAULT_ORDER: StrategyName[] = [...STRATEGIES].reverse();
const CHOSEN = (process.env['DISCOVERY_STRATEGIES']?.split(',') ?? DEFAULT_ORDER) as StrategyName[];
const DB = 'sluice_discovery_bench';
/** Tables per transaction: each CREATE TABLE holds locks to commit, and 10,000 at once exceed the lock table. */
const PER_BATCH = 1_000;
const CLIENTS = 8;
const POOL_SIZE = 8;
const DOCS = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));

interface RunReply { id: number; status: string; startedAt: number; finishedAt: number | null; error: string | null; datasets: number; profiled: number; timings: { introspectMs: number; analyseMs: number; totalMs: number } | null; progress: { slowdowns: number; paused: boolean; pausedMs: number; profiled: number } | null }

/** One pgbench window, with or without the run working beside it. */
interface Window { run: 'working' | 'paused' | 'none'; result: RunResult }

interface Row {
  strategy: StrategyName;
  run: RunReply;
  /**
   * In time order: alone before the run, then windows with the run working and with it paused
   * in turn, the last working one the window in which it ended, then alone after it.
   */
  windows: Window[];
  /** Time the run spent paused by the bench. */
  pausedMs: number;
  slowdowns: number;
}

async function onServer(database: string, sql: string): Promise<void> {
  const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** TABLES small tables of 20 rows each, in schemas of PER_BATCH, one DO block per schema. */
async function createSchema(): Promise<number> {
  const started = Date.now();
  await onServer('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await onServer('postgres', `CREATE DATABASE ${DB}`);
  for (let first = 0; first < TABLES; first += PER_BATCH) {
    const schema = `s${first / PER_BATCH}`;
    await onServer(DB, `CREATE SCHEMA ${schema};
      DO $$ BEGIN FOR i IN 1..${Math.min(PER_BATCH, TABLES - first)} LOOP
        EXECUTE format('CREATE TABLE ${schema}.t%s (id int PRIMARY KEY, parent_id int, email text, amount numeric(10,2), created_at timestamptz DEFAULT now())', i);
        EXECUTE format('INSERT INTO ${schema}.t%s SELECT g, g, ''u'' || g || ''@example.com'', g * 1.5 FROM generate_series(1, 20) g', i);
      END LOOP; END $$;`);
  }
  await onServer(DB, 'ANALYZE');
  // The generated tables' dirty pages would otherwise be written out by a checkpoint in the middle of the first run.
  await onServer('postgres', 'CHECKPOINT');
  return Date.now() - started;
}

async function api<T>(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, { method, ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return await res.json() as T;
}

function windowLine(r: RunResult): string {
  return r.ok ? `${r.tps.toFixed(0)} tps, p99 ${r.p99Ms.toFixed(2)} ms` : `failed: ${r.error}`;
}

/** How long the bench waits for a paused run's statement in flight to finish. */
const PAUSE_SETTLE_MS = 30_000;

/**
 * One strategy: pgbench alone, then windows while a fresh run of the whole schema goes on,
 * with the run paused (POST /v1/discovery/runs/{id}/pause) for every other window, then alone
 * again. Traffic's own p99 wanders more than the 10 % the run may cost (on the 2026-11-30 VM,
 * 2.3 to 4.4 ms from one 10 s window to the next with nothing else running), so one window
 * alone before and one after cannot tell the run's cost from that drift; a window with the run
 * working between two with it paused can.
 */
async function measure(admin: string, port: number, strategy: StrategyName): Promise<Row> {
  const pgbench = () => runPgbench({ script: 'select-only', mode: 'prepared', port, clients: CLIENTS, threads: 2, seconds: SECONDS });
  const windows: Window[] = [];
  const record = (w: Window, label: string): void => {
    windows.push(w);
    console.log(`  ${strategy} ${label}: ${windowLine(w.result)}`);
  };
  record({ run: 'none', result: await pgbench() }, 'alone before');
  const { runId } = await api<{ runId: number }>(admin, 'POST', '/v1/sources/big/discover', { strategy });
  const run = () => api<RunReply>(admin, 'GET', `/v1/discovery/runs/${runId}`);
  // Progress is shown only while the run is in flight: the throttle's waits as last seen then.
  let slowdowns = 0;
  let pausedMs = 0;
  for (;;) {
    // The window in which the run ends counts too: it holds the catalog commit, the run's last and largest write.
    const working = await pgbench();
    const now = await run();
    slowdowns = now.progress?.slowdowns ?? slowdowns;
    record({ run: 'working', result: working }, `working: ${now.status}, ${now.progress?.profiled ?? now.profiled} profiled, ${slowdowns} throttle waits`);
    if (now.status !== 'running') break;
    const pausedAt = Date.now();
    const heldBefore = now.progress?.pausedMs ?? 0;
    await api(admin, 'POST', `/v1/discovery/runs/${runId}/pause`);
    // The statement in flight finishes first: the run counts paused time from then.
    while (((await run()).progress?.pausedMs ?? Infinity) <= heldBefore && Date.now() - pausedAt < PAUSE_SETTLE_MS) await delay(50);
    record({ run: 'paused', result: await pgbench() }, 'paused');
    const resumed = await api<RunReply>(admin, 'POST', `/v1/discovery/runs/${runId}/resume`);
    pausedMs += Date.now() - pausedAt;
    if (resumed.status !== 'running') break;
  }
  record({ run: 'none', result: await pgbench() }, 'alone after');
  return { strategy, run: await run(), windows, pausedMs, slowdowns };
}

type Succeeded = Extract<RunResult, { ok: true }>;

/**
 * Each working window's p99 over the mean of the windows without the run on either side of
 * it: drift slower than a window cancels out.
 */
function pairedRatios(windows: readonly Window[]): number[] {
  const ratios: number[] = [];
  windows.forEach((w, i) => {
    if (w.run !== 'working' || !w.result.ok) return;
    const sides = [windows[i - 1], windows[i + 1]].map((x) => x?.result).filter((r): r is Succeeded => r?.ok === true && r.p99Ms > 0);
    if (sides.length === 0) return;
    ratios.push(w.result.p99Ms / (sides.reduce((sum, r) => sum + r.p99Ms, 0) / sides.length));
  });
  return ratios;
}

function table(rows: Row[]): string {
  const lines = [
    '| strategy | discovery time (pauses taken out) | tables found | profiled | introspection | pgbench tps without the run | tps with it | p99 without the run (median of windows) | p99 with it (median of windows, worst) | **p99 ratio, paired** (median of working windows over their neighbours) | p99 ratio, medians | throttle waits |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const succeeded = (ws: readonly Window[]): Succeeded[] => ws.map((w) => w.result).filter((r): r is Succeeded => r.ok);
  for (const { strategy, run, windows, pausedMs, slowdowns } of rows) {
    const working = succeeded(windows.filter((w) => w.run === 'working'));
    const without = succeeded(windows.filter((w) => w.run !== 'working'));
    // Start to commit, less the bench's pauses: the run's own timings end before the catalog write.
    const time = run.status === 'succeeded' && run.finishedAt !== null ? `${((run.finishedAt - run.startedAt - pausedMs) / 1000).toFixed(1)} s` : `${run.status}: ${run.error ?? ''}`;
    const intro = run.timings ? `${(run.timings.introspectMs / 1000).toFixed(1)} s` : '–';
    const head = `| ${strategy} | ${time} | ${run.datasets} | ${run.profiled} | ${intro} |`;
    if (without.length === 0 || working.length === 0) {
      lines.push(`${head} ${without.length === 0 ? 'every pgbench window without the run failed' : ''} | ${working.length === 0 ? 'every pgbench window with the run failed' : ''} | | | | | ${slowdowns} |`);
      continue;
    }
    const mean = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
    const p99Without = median(without.map((r) => r.p99Ms));
    const p99With = median(working.map((r) => r.p99Ms));
    const worst = Math.max(...working.map((r) => r.p99Ms));
    const paired = pairedRatios(windows);
    lines.push(`${head} ${mean(without.map((r) => r.tps)).toFixed(0)} | ${mean(working.map((r) => r.tps)).toFixed(0)} | ${p99Without.toFixed(2)} ms (${without.length}) | ${p99With.toFixed(2)} ms (${working.length}), ${worst.toFixed(2)} ms | **${median(paired).toFixed(2)}** (${paired.length}) | ${(p99With / p99Without).toFixed(2)} | ${slowdowns} |`);
  }
  return lines.join('\n');
}

/**
 * One gateway for every strategy: before each, a reload points discovery at a fresh catalog
 * file (a catalog that has seen the schema would profile nothing the second time).
 */
async function withSluice<T>(dir: string, port: number, work: (admin: string, freshCatalog: (name: string) => Promise<void>) => Promise<T>): Promise<T> {
  const sluice = await startSluice(dir, { port, poolSize: POOL_SIZE, maxClientConn: 100, user: BENCH_USER, password: BENCH_PASSWORD, database: BENCH_DB }, {}, {
    sources: {
      // Probed every 100 ms so the throttle sees latency move within a pgbench window.
      big: { kind: 'postgres', database: DB, hosts: [{ host: '127.0.0.1', port: 5432 }], users: [{ name: 'postgres', password: 'unused' }], pool: { size: 1 }, health: { probe_interval: '100ms' } },
    },
    discovery: { catalog: join(dir, 'first.db'), sources: { [BENCH_DB]: { enabled: false } } },
  });
  // Sluice runs in a process group of its own: a bench stopped by a signal must stop it, and drop the generated database.
  const onSignal = (): void => {
    void sluice.service.stop()
      .then(() => rm(dir, { recursive: true, force: true }))
      .then(() => onServer('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const admin = `http://127.0.0.1:${sluice.adminPort}`;
  const configFile = join(dir, 'sluice.yaml');
  const freshCatalog = async (name: string): Promise<void> => {
    const config = parse(await readFile(configFile, 'utf8')) as { discovery: { catalog: string } };
    config.discovery.catalog = join(dir, `${name}.db`);
    await writeFile(configFile, stringify(config));
    await api(admin, 'POST', '/v1/reload');
  };
  try {
    // Warm-up: logins, JIT and the page cache would otherwise fall on the first baseline.
    await runPgbench({ script: 'select-only', mode: 'prepared', port, clients: CLIENTS, threads: 2, seconds: 5 });
    return await work(admin, freshCatalog);
  } finally {
    await sluice.service.stop();
  }
}

async function main(): Promise<void> {
  const machine = await machineFacts();
  await ensureBenchData();
  const createMs = await createSchema();
  console.log(`${TABLES} tables generated in ${(createMs / 1000).toFixed(1)} s`);
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-discovery-'));
  const port = await freePort();
  const rows: Row[] = [];
  try {
    await withSluice(dir, port, async (admin, freshCatalog) => {
      for (const strategy of CHOSEN) {
        await freshCatalog(strategy);
        const row = await measure(admin, port, strategy);
        rows.push(row);
        console.log(table([row]).split('\n').at(-1));
        // After each strategy, so a long conservative run that is cut short leaves the others' figures.
        await writeSection(DOCS, report(machine, createMs, rows), 'discovery');
      }
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
    await onServer('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  }
  console.log(`\n${report(machine, createMs, rows)}\n`);
  console.log(`written to ${DOCS}`);
}

function report(machine: MachineFacts, createMs: number, rows: Row[]): string {
  const defaults = TABLES === 10_000 && SECONDS === 10 && CHOSEN.join() === DEFAULT_ORDER.join();
  return [
    `Command: \`${defaults ? '' : `DISCOVERY_TABLES=${TABLES} DISCOVERY_PGBENCH_SECONDS=${SECONDS} DISCOVERY_STRATEGIES=${CHOSEN.join(',')} `}npm run bench:discovery\``,
    `(${TABLES.toLocaleString('en-US')} tables of 5 columns and 20 rows, generated in ${(createMs / 1000).toFixed(0)} s; pgbench select-only prepared, ${CLIENTS} clients, -j 2, through Sluice, pool ${POOL_SIZE}; windows of ${SECONDS} s back to back: one alone before each strategy's run, then the run working and paused in turn until the window in which it ended, then one alone after it)`,
    '',
    machineLines(machine),
    '',
    table(rows),
  ].join('\n');
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(`bench:discovery: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
