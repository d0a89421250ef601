/**
 * `npm run bench:discovery`: time to discover a generated PostgreSQL schema (10,000 tables by
 * default; DISCOVERY_TABLES=n for fewer) with each strategy, and the p99 of pgbench traffic
 * on the same server meanwhile, against a pgbench run alone just before (interleaved per
 * strategy). The discovered host's health is fed by a 100 ms `SELECT 1` probe, as the
 * gateway's probes would, so the throttle adapts as it does in production.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { parseConfig } from '../src/config/load.js';
import { DiscoveryService } from '../src/discovery/service.js';
// Only a type links the analyzer to its worker file; this import makes tsc emit it into dist-bench.
import '../src/discovery/analysis-worker.js';
import { STRATEGIES } from '../src/discovery/strategy.js';
import { HostHealth } from '../src/health/host-health.js';
import { machineFacts } from './machine.js';
import { ensureBenchData, runPgbench, type RunResult } from './pgbench.js';

const TABLES = Number(process.env['DISCOVERY_TABLES'] ?? 10_000);
const SECONDS = Number(process.env['DISCOVERY_PGBENCH_SECONDS'] ?? 20);
const DB = 'sluice_discovery_bench';
const PER_SCHEMA = 500;

async function admin(database: string, sql: string): Promise<void> {
  const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Creates the schema once; a database with the right table count is reused. */
async function ensureSchema(): Promise<void> {
  const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
  await c.connect();
  const exists = (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB])).rowCount === 1;
  await c.end();
  if (exists) {
    const d = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: DB });
    await d.connect();
    const n = Number((await d.query(`SELECT count(*) AS n FROM pg_tables WHERE schemaname LIKE 's%'`)).rows[0].n);
    await d.end();
    if (n === TABLES) return;
    await admin('postgres', `DROP DATABASE ${DB} WITH (FORCE)`);
  }
  await admin('postgres', `CREATE DATABASE ${DB}`);
  for (let first = 0; first < TABLES; first += PER_SCHEMA) {
    const schema = `s${first / PER_SCHEMA}`;
    const count = Math.min(PER_SCHEMA, TABLES - first);
    await admin(DB, `CREATE SCHEMA ${schema};
      DO $$ BEGIN FOR i IN 1..${count} LOOP
        EXECUTE format('CREATE TABLE ${schema}.t%s (id serial PRIMARY KEY, parent_id int, email text, amount numeric(10,2), created_at timestamptz DEFAULT now())', i);
        EXECUTE format('INSERT INTO ${schema}.t%s (parent_id, email, amount) SELECT g, ''u'' || g || ''@example.com'', g * 1.5 FROM generate_series(1, 20) g', i);
      END LOOP; END $$;`);
  }
  await admin(DB, 'ANALYZE');
}

/** Probes the server every 100 ms into a HostHealth, as the gateway's prober does for its hosts. */
function probe(health: HostHealth): () => Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
  let stopped = false;
  const loop = (async () => {
    await client.connect();
    while (!stopped) {
      const started = performance.now();
      await client.query('SELECT 1');
      health.recordSuccess(performance.now() - started);
      await new Promise((r) => setTimeout(r, 100));
    }
    await client.end();
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

const fmt = (r: RunResult) => (r.ok ? `${r.p99Ms.toFixed(2)} ms` : `error: ${r.error}`);

async function main(): Promise<void> {
  const facts = await machineFacts();
  await ensureBenchData();
  await ensureSchema();
  const config = await parseConfig(`
sources:
  big: { kind: postgres, database: ${DB}, hosts: [{ host: 127.0.0.1, port: 5432 }], users: [{ name: postgres, password: unused }] }
discovery: {}
`, 'bench');
  const rows: string[] = [];
  for (const strategy of STRATEGIES) {
    const alone = await runPgbench({ script: 'select-only', mode: 'prepared', port: 5432, clients: 8, threads: 2, seconds: SECONDS });
    const dir = await mkdtemp(join(tmpdir(), 'sluice-discovery-bench-'));
    const health = new HostHealth('127.0.0.1:5432', { clock: { now: () => Date.now() }, role: 'primary' });
    const stopProbe = probe(health);
    const service = new DiscoveryService({
      config: () => ({ ...config.discovery!, catalog: join(dir, 'catalog.db') }), sources: () => config.sources,
      health: () => health, log: pino({ level: 'silent' }),
    });
    const started = Date.now();
    const id = service.trigger('big', strategy);
    const [during] = await Promise.all([runPgbench({ script: 'select-only', mode: 'prepared', port: 5432, clients: 8, threads: 2, seconds: SECONDS }), service.settled('big')]);
    const run = service.run(id)!;
    await service.close();
    await stopProbe();
    await rm(dir, { recursive: true, force: true });
    const ratio = alone.ok && during.ok ? `${((during.p99Ms / alone.p99Ms - 1) * 100).toFixed(1)} %` : '-';
    rows.push(`| ${strategy} | ${run.status === 'succeeded' ? `${((Date.now() - started) / 1000).toFixed(1)} s` : run.error} | ${run.datasets} | ${run.profiled} | ${fmt(alone)} | ${fmt(during)} | ${ratio} |`);
  }
  console.log(`discovery of ${TABLES} tables; pgbench -S -M prepared -c 8 -j 2 -T ${SECONDS} on the same server (${facts.cpus} CPUs, huge pages ${facts.hugePages})\n`);
  console.log('| strategy | discovery time | datasets | profiled | pgbench p99 alone | p99 during discovery | p99 change |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
}

await main();
