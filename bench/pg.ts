/**
 * `npm run bench:pg`: Sluice against PgBouncer (and a direct connection as the ceiling) with
 * pgbench, interleaved, same pool settings, then pooler memory with idle clients. Prints the
 * tables and keeps them in docs/benchmarks.md. Run it under `ulimit -n 65536`.
 *
 *   --quick   5-second select-only simple runs only; prints, does not touch the docs.
 *   BENCH_SECONDS=N   length of each pgbench run (default 15).
 *   BENCH_PAIRS=N     extra Sluice/PgBouncer pairs of the target run, select-only simple at
 *                     1000 clients (default 3; 0 for none): this VM's throughput drifts by tens
 *                     of percent within minutes, so the target ratio is taken per adjacent pair.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { machineFacts, type MachineFacts } from './machine.js';
import { BENCH_DB, BENCH_PASSWORD, BENCH_USER, ensureBenchData, runPgbench, type QueryMode, type RunResult, type Script } from './pgbench.js';
import { startPgbouncer, type PoolerSetup } from './pgbouncer.js';
import { freePort, rssKiB, type RunningPooler } from './proc.js';
import { startSluice } from './sluice.js';
import { openIdleClients, type IdleClients } from './idle-clients.js';
import { machineLines, memoryTable, pairLines, throughputTable, writeSection, type MemoryRow, type PairRow, type RunRow, type Target } from './report.js';

const POOL_SIZE = 50;
const POOLER_CLIENTS = 1000;
const THREADS = 2;
const IDLE_COUNTS = [0, 1000, 10_000];
/** Enough for the largest idle-client count plus pgbench; the same limit for both poolers. */
const MAX_CLIENT_CONN = 12_000;
/** Two pools of POOL_SIZE stay open while the direct run adds its own POOL_SIZE. */
const MIN_MAX_CONNECTIONS = 3 * POOL_SIZE + 20;
const DOCS = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));

const quick = process.argv.includes('--quick');
const seconds = quick ? 5 : Number(process.env.BENCH_SECONDS ?? 15);
const pairs = quick ? 0 : Number(process.env.BENCH_PAIRS ?? 3);
const scripts: Script[] = quick ? ['select-only'] : ['select-only', 'tpcb-like'];
const modes: QueryMode[] = quick ? ['simple'] : ['simple', 'extended', 'prepared'];

/** A pooler that runs, or why it does not. */
interface Targets {
  pgbouncer: RunningPooler | string;
  sluice: RunningPooler | string;
  ports: Record<Target, number>;
}

async function main(): Promise<number> {
  await preflight();
  const data = await ensureBenchData();
  console.log(`bench database: ${data} (pgbench scale 10)`);
  const machine = await machineFacts();
  console.log(machineLines(machine));

  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-'));
  const setup = (port: number): PoolerSetup => ({ port, poolSize: POOL_SIZE, maxClientConn: MAX_CLIENT_CONN, user: BENCH_USER, password: BENCH_PASSWORD, database: BENCH_DB });
  const ports = { sluice: await freePort(), pgbouncer: await freePort(), direct: 5432 };
  const targets: Targets = {
    pgbouncer: await startPgbouncer(dir, setup(ports.pgbouncer)).catch((err: unknown) => `PgBouncer did not start: ${message(err)}`),
    sluice: await startSluice(dir, setup(ports.sluice)).catch((err: unknown) => `Sluice did not start: ${message(err)}`),
    ports,
  };
  const stopAll = async (): Promise<void> => {
    for (const running of [targets.sluice, targets.pgbouncer]) {
      if (typeof running !== 'string') await running.service.stop();
    }
    await rm(dir, { recursive: true, force: true });
  };
  const onSignal = (): void => { void stopAll().finally(() => process.exit(130)); };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);

  try {
    // Memory first, on freshly started poolers: after the load runs, garbage not yet
    // collected would be counted as the cost of idle clients.
    const memory = await memoryUse(targets);
    const runs = await throughput(targets);
    const targetPairs = await pairedTargetRuns(targets);
    await report(machine, runs, memory, targetPairs);
  } finally {
    await stopAll();
  }
  return 0;
}

async function throughput(targets: Targets): Promise<RunRow[]> {
  const rows: RunRow[] = [];
  for (const script of scripts) {
    for (const mode of modes) {
      for (const target of ['sluice', 'pgbouncer', 'direct'] as const) {
        const clients = target === 'direct' ? POOL_SIZE : POOLER_CLIENTS;
        const down = await whyDown(targets, target);
        const result: RunResult = down === undefined
          ? await runPgbench({ script, mode, port: targets.ports[target], clients, threads: THREADS, seconds })
          : { ok: false, error: down };
        rows.push({ script, mode, target, clients, result });
        console.log(`${script} ${mode} ${target} c=${clients}: ${result.ok ? `${result.tps.toFixed(0)} tps, p99 ${result.p99Ms.toFixed(2)} ms` : `FAILED ${result.error}`}`);
      }
    }
  }
  return rows;
}

/**
 * The issue's target figure on its own: select-only simple at 1000 clients, Sluice and
 * PgBouncer back to back, the order swapped every pair so neither always runs first.
 */
async function pairedTargetRuns(targets: Targets): Promise<PairRow[]> {
  const out: PairRow[] = [];
  if (await whyDown(targets, 'sluice') !== undefined || await whyDown(targets, 'pgbouncer') !== undefined) return out;
  for (let i = 0; i < pairs; i++) {
    const order: ('sluice' | 'pgbouncer')[] = i % 2 === 0 ? ['sluice', 'pgbouncer'] : ['pgbouncer', 'sluice'];
    const tps: Partial<Record<'sluice' | 'pgbouncer', number>> = {};
    for (const target of order) {
      const result = await runPgbench({ script: 'select-only', mode: 'simple', port: targets.ports[target], clients: POOLER_CLIENTS, threads: THREADS, seconds });
      if (!result.ok) throw new Error(`target pair ${i + 1}, ${target}: ${result.error}`);
      tps[target] = result.tps;
    }
    out.push({ sluice: tps.sluice!, pgbouncer: tps.pgbouncer! });
    console.log(`target pair ${i + 1}: sluice ${tps.sluice!.toFixed(0)} tps, pgbouncer ${tps.pgbouncer!.toFixed(0)} tps, ratio ${(tps.sluice! / tps.pgbouncer!).toFixed(2)}`);
  }
  return out;
}

/** RSS of each pooler with 0, 1,000 and 10,000 idle logged-in clients. */
async function memoryUse(targets: Targets): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = [];
  for (const target of ['sluice', 'pgbouncer'] as const) {
    const rss = new Map<number, number | string>();
    rows.push({ target, rss });
    const down = await whyDown(targets, target);
    const running = targets[target];
    if (down !== undefined || typeof running === 'string') {
      for (const n of IDLE_COUNTS) rss.set(n, down ?? 'not running');
      continue;
    }
    const open: IdleClients[] = [];
    try {
      for (const n of IDLE_COUNTS) {
        const have = open.reduce((sum, c) => sum + c.count, 0);
        if (n > have) open.push(await openIdleClients(targets.ports[target], n - have, BENCH_USER, BENCH_DB));
        const kib = await rssKiB(running.pid);
        rss.set(n, kib);
        console.log(`${target} with ${n} idle clients: ${(kib / 1024).toFixed(1)} MiB RSS`);
      }
    } catch (err) {
      for (const n of IDLE_COUNTS) if (!rss.has(n)) rss.set(n, message(err));
    } finally {
      for (const clients of open) clients.close();
    }
  }
  return rows;
}

async function whyDown(targets: Targets, target: Target): Promise<string | undefined> {
  if (target === 'direct') return undefined;
  const running = targets[target];
  if (typeof running === 'string') return running;
  return running.service.alive ? undefined : `${running.service.name} exited: ${await running.service.failure()}`;
}

async function report(machine: MachineFacts, runs: RunRow[], memory: MemoryRow[], targetPairs: PairRow[]): Promise<void> {
  const env = `${seconds === 15 ? '' : `BENCH_SECONDS=${seconds} `}${pairs === 3 ? '' : `BENCH_PAIRS=${pairs} `}`;
  const command = quick ? 'npm run bench:pg -- --quick' : `${env}npm run bench:pg`;
  const body = [
    `Command: \`${command}\` (pgbench scale 10, -j ${THREADS}, ${seconds} s per run, transaction pooling, pool size ${POOL_SIZE}, trust auth; direct = ${POOL_SIZE} clients straight to PostgreSQL)`,
    '',
    machineLines(machine),
    '',
    throughputTable(runs),
    '',
    ...pairLines(targetPairs),
    memoryTable(memory, IDLE_COUNTS),
  ].join('\n');
  console.log(`\n${body}\n`);
  if (quick) {
    console.log('(--quick: docs/benchmarks.md left as it was)');
    return;
  }
  await writeSection(DOCS, body);
  console.log(`written to ${DOCS}`);
}

/** Fails early with the fix, rather than with a confusing error in the middle of a run. */
async function preflight(): Promise<void> {
  const admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
  await admin.connect().catch((err: unknown) => {
    throw new Error(`PostgreSQL is not reachable at 127.0.0.1:5432 as postgres (${message(err)}); run \`bash .ci/run\` once`);
  });
  try {
    const max = Number((await admin.query<{ max_connections: string }>('SHOW max_connections')).rows[0]?.max_connections);
    if (max < MIN_MAX_CONNECTIONS) throw new Error(`max_connections is ${max}; the benchmark needs ${MIN_MAX_CONNECTIONS} (\`bash .ci/run\` sets 300)`);
    const role = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = 'bench'");
    if (role.rowCount === 0) throw new Error('role and database "bench" are missing; `bash .ci/run` creates them');
  } finally {
    await admin.end();
  }
  const limits = await readFile('/proc/self/limits', 'utf8');
  const openFiles = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1]);
  const needed = Math.max(...IDLE_COUNTS) + POOLER_CLIENTS;
  if (openFiles < needed) console.warn(`warning: open files limit ${openFiles} < ${needed}; the 10,000-client memory run will fail. Run under \`ulimit -n 65536\`.`);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(`bench:pg: ${message(err)}`);
  process.exit(1);
});
