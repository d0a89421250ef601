// pgbench 15 with 1000 clients through the real `sluice` binary (transaction pooling, 50
// server connections), in each query mode, select-only and TPC-B: no failed transaction, and
// PostgreSQL never sees more than the pool's 50 backends for the bench database.
//
// Auth is md5: with SCRAM, libpq spends ~5 ms of CPU per connection on PBKDF2, so 1000
// connections eat most of a 10 s run on two cores (pgbench's -T counts connection time).
import t from 'tap';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import pg from 'pg';
import { PG_HOST, PG_PORT } from '../helpers/postgres.js';
import { BENCH_DATABASE, RAISE_NOFILE, runProgram, type RunResult, startSluiceProcess } from '../helpers/sluice-process.js';

const POOL_SIZE = 50;
const CLIENTS = 1000;
const DURATION_S = 10;
// Connections, vacuum and the run itself take ~15 s; a hang (see -M prepared) is cut here.
const RUN_TIMEOUT_MS = 60_000;
const SAMPLER_APP = 'sluice-e2e-sampler';
const SAMPLE_EVERY_MS = 200;
// Sampling goes on for the whole run; a loaded machine stretches each round trip, hence the margin.
const MIN_SAMPLES = 10;

interface Sampled { max: number; maxAll: number; samples: number; errors: string[] }
interface Sampler { stop(): Promise<Sampled> }

/** Local ports of `pid`'s TCP connections to PostgreSQL, from /proc (Linux). */
function serverPortsOf(pid: number): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch { /* closed meanwhile */ }
  }
  const ports = new Set<number>();
  const pgPort = `:${PG_PORT.toString(16).toUpperCase().padStart(4, '0')} `;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n')) {
      if (!line.includes(pgPort)) continue;
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || !inodes.has(cols[9]!) || !cols[2]!.endsWith(pgPort.trimEnd())) continue;
      ports.add(parseInt(cols[1]!.slice(cols[1]!.lastIndexOf(':') + 1), 16));
    }
  }
  return ports;
}

/**
 * Every 200 ms, the backends of the bench database that are not the sampler's own. `max` counts
 * those whose client is the Sluice under test, told apart by client port (other programs on a
 * shared machine may use the bench database too); `maxAll` counts every one, for the report.
 * A backend is classified once, by (pid, client port); /proc is read only for new backends.
 */
async function startSampler(sluicePid: number): Promise<Sampler> {
  const client = new pg.Client({ host: PG_HOST, port: PG_PORT, user: 'postgres', database: 'postgres', application_name: SAMPLER_APP });
  await client.connect();
  const ours = new Map<string, boolean>();
  let max = 0, maxAll = 0, samples = 0, running = true;
  const errors: string[] = [];
  const loop = (async () => {
    while (running) {
      try {
        const { rows } = await client.query<{ pid: number; client_port: number }>(
          `SELECT pid, client_port FROM pg_stat_activity
            WHERE datname = $1 AND backend_type = 'client backend' AND application_name NOT IN ($2, 'sluice-probe')`,
          [BENCH_DATABASE, SAMPLER_APP],
        );
        const unknown = rows.filter((r) => !ours.has(`${r.pid}:${r.client_port}`));
        if (unknown.length > 0) {
          // Still connected (it is in pg_stat_activity), so its socket is in /proc unless it
          // closed in between, and then it no longer counts anyway.
          const ports = serverPortsOf(sluicePid);
          for (const r of unknown) ours.set(`${r.pid}:${r.client_port}`, ports.has(r.client_port));
        }
        max = Math.max(max, rows.filter((r) => ours.get(`${r.pid}:${r.client_port}`)).length);
        maxAll = Math.max(maxAll, rows.length);
        samples++;
      } catch (err) {
        errors.push((err as Error).message);
      }
      if (running) await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      return { max, maxAll, samples, errors };
    },
  };
}

interface PgbenchFigures { processed: number | null; failed: number | null; tps: number | null; connectMs: number | null }

function figures(out: string): PgbenchFigures {
  const num = (re: RegExp): number | null => {
    const m = re.exec(out);
    return m ? Number(m[1]) : null;
  };
  return {
    processed: num(/^number of transactions actually processed: (\d+)/m),
    failed: num(/^number of failed transactions: (\d+)/m),
    tps: num(/^tps = ([\d.]+) \(without initial connection time\)/m),
    connectMs: num(/^initial connection time = ([\d.]+) ms/m),
  };
}

/** The first lines of stderr that are not pgbench's progress chatter, for failure messages. */
function errorLines(r: RunResult): string {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const distinct = [...new Set(lines.map((l) => l.replace(/client \d+/g, 'client N')))];
  return distinct.slice(0, 15).join('\n');
}

const RUNS: { mode: 'simple' | 'extended' | 'prepared'; selectOnly: boolean }[] = [
  { mode: 'simple', selectOnly: true },
  { mode: 'extended', selectOnly: true },
  { mode: 'prepared', selectOnly: true },
  { mode: 'simple', selectOnly: false },
  { mode: 'extended', selectOnly: false },
  { mode: 'prepared', selectOnly: false },
];

const summary: string[] = [];
t.teardown(() => { t.comment(`pgbench through Sluice (pool ${POOL_SIZE}, ${CLIENTS} clients, ${DURATION_S}s):\n${summary.join('\n')}`); });

for (const { mode, selectOnly } of RUNS) {
  const name = `pgbench -M ${mode} ${selectOnly ? '-S' : '(TPC-B)'} -c ${CLIENTS} -j 2 -T ${DURATION_S}`;
  t.test(name, async (t) => {
    const sluice = await startSluiceProcess({
      auth: 'md5', size: POOL_SIZE, maxClientConn: 5000, instrument: false,
      // A client may wait for a server for the whole run; a timeout would be a failed transaction.
      pool: { query_wait_timeout: '60s' },
    });
    t.teardown(() => sluice.stop());
    const sampler = await startSampler(sluice.child.pid!);
    let samplerStopped = false;
    t.teardown(async () => { if (!samplerStopped) await sampler.stop(); });

    const args = ['-h', sluice.host, '-p', String(sluice.port), '-U', sluice.user, '-M', mode, ...(selectOnly ? ['-S'] : []),
      '-c', String(CLIENTS), '-j', '2', '-T', String(DURATION_S), sluice.source];
    const r = await runProgram('/bin/bash', ['-c', `${RAISE_NOFILE}; exec pgbench "$@"`, 'pgbench', ...args], {
      env: { ...sluice.env(), PGAPPNAME: 'pgbench' }, timeoutMs: RUN_TIMEOUT_MS,
    });
    samplerStopped = true;
    const sampled = await sampler.stop();
    const f = figures(r.stdout);
    summary.push(`  ${name}: exit ${r.code}${r.timedOut ? ' (killed after timeout)' : ''}, processed ${f.processed}, failed ${f.failed}, tps ${f.tps}, connect ${f.connectMs} ms, max backends ${sampled.max} (all clients of the database: ${sampled.maxAll}) over ${sampled.samples} samples`);
    const ok = !r.timedOut && r.code === 0 && f.failed === 0;
    const detail = ok ? '' : `\nstdout:\n${r.stdout}\nstderr (distinct lines):\n${errorLines(r)}`;

    t.equal(r.timedOut, false, `pgbench finished within ${RUN_TIMEOUT_MS / 1000}s${detail}`);
    t.equal(r.code, 0, `pgbench exits 0${detail}`);
    t.match(r.stdout, /^number of failed transactions: 0 /m, `no failed transactions${detail}`);
    t.ok(f.processed !== null && f.processed > 0, `transactions were processed (${f.processed})`);
    t.ok(sampled.samples >= MIN_SAMPLES, `pg_stat_activity was sampled during the run (${sampled.samples} samples)`);
    t.strictSame(sampled.errors, [], 'every sample succeeded');
    t.ok(sampled.max <= POOL_SIZE, `at most ${POOL_SIZE} backends for ${BENCH_DATABASE} (max seen ${sampled.max})`);
    t.ok(sampled.max > 0, 'Sluice did use server connections');
    t.comment(`${name}: tps ${f.tps}, processed ${f.processed}, initial connection ${f.connectMs} ms, max backends ${sampled.max} (all clients of the database: ${sampled.maxAll})`);

    const stopped = await sluice.stop();
    t.equal(stopped.killed, false, 'Sluice stopped on SIGTERM without SIGKILL');
    t.equal(stopped.code, 0, 'Sluice exits 0');
    t.equal(sluice.noise(), '', 'nothing on stderr');
  });
}
