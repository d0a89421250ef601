/**
 * `npm run bench:mysql`: sysbench oltp_point_select and oltp_read_write against the machine's
 * MariaDB, direct (threads = the pool size) and through the built `sluice` binary (50, then
 * 1000 threads over a pool of 50), interleaved in one run; prints queries and transactions per
 * second, p95 latency and the ratio to direct. ProxySQL, the usual anchor for MySQL pooling,
 * is not packaged by Debian, so the direct connection is the anchor here.
 *
 * Needs sysbench, the sbtest schema and user (created here if missing, as the e2e test does).
 * BENCH_SECONDS sets each run's length (default 20), BENCH_ROUNDS the interleaved rounds (1).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { machineFacts } from './machine.js';
import { Service, freePort, runCommand, waitForPort } from './proc.js';
import { machineLines, writeSection } from './report.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const DOCS = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
const POOL = 50;
const SLUICE_THREADS = 1000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const SCRIPTS = ['oltp_point_select', 'oltp_read_write'] as const;
const DB = ['--db-driver=mysql', '--mysql-user=sbtest', '--mysql-password=sbtest', '--mysql-db=sbtest', '--tables=4', '--table-size=10000'];
const ROOT = ['-h', '127.0.0.1', '-u', 'root'];

interface Result { round: number; script: string; target: 'direct' | 'sluice'; threads: number; tps: number; qps: number; p95: number; errors: number; failure?: string }

async function sql(statement: string): Promise<string> {
  const r = await runCommand('mariadb', [...ROOT, '-N', '-e', statement]);
  if (r.code !== 0) throw new Error(`mariadb: ${r.stderr}`);
  return r.stdout.trim();
}

async function fixtures(): Promise<void> {
  await sql("CREATE DATABASE IF NOT EXISTS sbtest; CREATE USER IF NOT EXISTS 'sbtest'@'%' IDENTIFIED BY 'sbtest'; CREATE USER IF NOT EXISTS 'sbtest'@'localhost' IDENTIFIED BY 'sbtest'; GRANT ALL ON sbtest.* TO 'sbtest'@'%'; GRANT ALL ON sbtest.* TO 'sbtest'@'localhost'");
  if (Number(await sql("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'sbtest' AND TABLE_NAME LIKE 'sbtest%'")) >= 4) return;
  await sql('DROP DATABASE sbtest; CREATE DATABASE sbtest');
  const r = await runCommand('sysbench', ['oltp_read_write', ...DB, '--mysql-host=127.0.0.1', '--mysql-port=3306', 'prepare']);
  if (r.code !== 0) throw new Error(`sysbench prepare: ${r.stderr}`);
}

async function sysbench(round: number, script: string, target: Result['target'], port: number, threads: number): Promise<Result> {
  const r = await runCommand('sysbench', [script, ...DB, '--mysql-host=127.0.0.1', `--mysql-port=${port}`, `--threads=${threads}`, `--time=${SECONDS}`, '--percentile=95', 'run'], { timeoutMs: (SECONDS + 120) * 1000 });
  const num = (re: RegExp): number => Number(re.exec(r.stdout)?.[1] ?? NaN);
  const result = {
    round, script, target, threads,
    tps: num(/transactions:\s+\d+\s+\(([\d.]+) per sec/),
    qps: num(/queries:\s+\d+\s+\(([\d.]+) per sec/),
    p95: num(/95th percentile:\s+([\d.]+)/),
    errors: num(/ignored errors:\s+(\d+)/),
  };
  return r.code === 0 ? result : { ...result, failure: (r.stderr || r.stdout).split('\n').find((l) => /FATAL|error/i.test(l)) ?? `exit ${r.code}` };
}

async function startSluice(dir: string): Promise<{ service: Service; port: number }> {
  const port = await freePort();
  const config = join(dir, 'sluice.yaml');
  await writeFile(config, stringify({
    listeners: { mysql: { listen: `127.0.0.1:${port}` } },
    sources: {
      sbtest: {
        kind: 'mysql',
        hosts: [{ host: '127.0.0.1', port: 3306 }],
        pool: { size: POOL, query_wait_timeout: '60s' },
        users: [{ name: 'sbtest', password: 'sbtest' }],
      },
    },
    log: { level: 'warn' },
  }));
  const service = new Service('sluice', 'bash', ['-c', `ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "${process.execPath}" "${CLI}" start --config "${config}"`], join(dir, 'sluice.log'));
  await waitForPort(port, service);
  return { service, port };
}

function table(rows: Result[]): string {
  const lines = ['| round | script | target | threads | tps | qps | p95 ms | qps vs direct | ignored errors |', '| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of rows) {
    const direct = rows.find((d) => d.round === r.round && d.script === r.script && d.target === 'direct' && !d.failure);
    const ratio = direct && !r.failure ? (r.qps / direct.qps).toFixed(2) : '—';
    if (r.failure) lines.push(`| ${r.round + 1} | ${r.script} | ${r.target} | ${r.threads} | FAILED | | | | ${r.failure.replaceAll('|', '\\|')} |`);
    else lines.push(`| ${r.round + 1} | ${r.script} | ${r.target} | ${r.threads} | ${r.tps.toFixed(0)} | ${r.qps.toFixed(0)} | ${r.p95.toFixed(2)} | ${ratio} | ${r.errors} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  await fixtures();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-mysql-'));
  const sluice = await startSluice(dir);
  const rows: Result[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const script of SCRIPTS) {
        rows.push(await sysbench(round, script, 'direct', 3306, POOL));
        // At the pool's thread count too: the cost of the hop alone, apart from 1000 client threads on the same cores.
        rows.push(await sysbench(round, script, 'sluice', sluice.port, POOL));
        rows.push(await sysbench(round, script, 'sluice', sluice.port, SLUICE_THREADS));
      }
    }
  } finally {
    await sluice.service.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const version = await sql('SELECT VERSION()');
  const body = [
    `Command: \`${SECONDS === 20 && ROUNDS === 1 ? '' : `BENCH_SECONDS=${SECONDS} BENCH_ROUNDS=${ROUNDS} `}npm run bench:mysql\` (sysbench ${SECONDS}s per run, MariaDB ${version}, direct at ${POOL} threads, Sluice at ${POOL} and ${SLUICE_THREADS} threads over a pool of ${POOL}; ProxySQL is not in Debian, so no ProxySQL row)`,
    '',
    machineLines(await machineFacts()),
    '',
    table(rows),
  ].join('\n');
  console.log(`\n${body}\n`);
  await writeSection(DOCS, body, 'mysql');
  console.log(`written to ${DOCS}`);
}

await main();
