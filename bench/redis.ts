/**
 * `npm run bench:redis`: redis-benchmark GET, SET, LPUSH and LRANGE_100 at 1000 clients with
 * -P 1 and -P 16, straight to Redis, through twemproxy (Debian's nutcracker, started here with
 * a temporary config) and through Sluice, interleaved case by case. Prints the table and keeps
 * it in docs/benchmarks.md.
 *
 *   --quick   fewer requests per run; prints, does not touch the docs.
 *   BENCH_REQUESTS=N   requests per -P 1 run (default 100000; -P 16 runs take four times as many).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { Service, freePort, runCommand, waitForPort } from './proc.js';
import { writeSection } from './report.js';

const REDIS_PORT = 6379;
const CLIENTS = 1000;
const TESTS = ['SET', 'GET', 'LPUSH', 'LRANGE_100'] as const;
const PIPELINES = [1, 16] as const;
const TARGETS = ['direct', 'twemproxy', 'sluice'] as const;
type Target = (typeof TARGETS)[number];
const DOCS = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
/** Raise the descriptor limit before exec: 1000 clients need more than the usual 1024. */
const RAISE_NOFILE = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"';

const quick = process.argv.includes('--quick');
const baseRequests = Number(process.env.BENCH_REQUESTS ?? (quick ? 20_000 : 100_000));

interface Row {
  test: string;
  pipeline: number;
  target: Target;
  result: { rps: number; p50: number; p99: number } | { error: string };
}

async function main(): Promise<number> {
  // Anything else running on the machine skews the figures: the table says how busy it was.
  const loadAtStart = loadavg()[0] ?? 0;
  for (const tool of ['redis-benchmark', 'nutcracker']) {
    if ((await runCommand('sh', ['-c', `command -v ${tool}`])).code !== 0) {
      console.error(`${tool} is missing: apt-get install -y ${tool === 'nutcracker' ? 'nutcracker' : 'redis-tools'}`);
      return 1;
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-redis-'));
  const ports: Record<Target, number> = { direct: REDIS_PORT, twemproxy: await freePort(), sluice: await freePort() };
  const services: Service[] = [];
  try {
    services.push(await startTwemproxy(dir, ports.twemproxy));
    services.push(await startSluice(dir, ports.sluice));
    const rows: Row[] = [];
    for (const pipeline of PIPELINES) {
      for (const test of TESTS) {
        for (const target of TARGETS) {
          const row = await runCase(test, pipeline, target, ports[target]);
          rows.push(row);
          console.log(rowLine(row, rows));
        }
      }
    }
    const body = report(rows, loadAtStart);
    console.log(`\n${body}`);
    if (!quick) await writeSection(DOCS, body, 'redis');
    return rows.some((r) => 'error' in r.result) ? 1 : 0;
  } finally {
    for (const s of services) await s.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function startTwemproxy(dir: string, port: number): Promise<Service> {
  const conf = join(dir, 'nutcracker.yml');
  // twemproxy's defaults (one server connection per server), as operators run it.
  await writeFile(conf, stringify({ bench: { listen: `127.0.0.1:${port}`, redis: true, hash: 'fnv1a_64', distribution: 'ketama', servers: [`127.0.0.1:${REDIS_PORT}:1`] } }));
  const service = new Service('twemproxy', 'bash', ['-c', RAISE_NOFILE, 'nutcracker', '-c', conf, '-s', String(await freePort()), '-a', '127.0.0.1', '-o', join(dir, 'nutcracker.log')], join(dir, 'nutcracker.out'));
  await waitForPort(port, service);
  return service;
}

async function startSluice(dir: string, port: number): Promise<Service> {
  const config = join(dir, 'sluice.yaml');
  await writeFile(config, stringify({
    sources: { cache: { kind: 'redis', listen: `127.0.0.1:${port}`, hosts: [{ host: '127.0.0.1', port: REDIS_PORT }], max_client_conn: 5000 } },
    log: { level: 'warn' },
  }));
  const service = new Service('sluice', 'bash', ['-c', RAISE_NOFILE, process.execPath, CLI, 'start', '--config', config], join(dir, 'sluice.log'));
  await waitForPort(port, service);
  return service;
}

async function runCase(test: string, pipeline: number, target: Target, port: number): Promise<Row> {
  const requests = baseRequests * (pipeline > 1 ? 4 : 1) / (test === 'LRANGE_100' ? 2 : 1);
  const res = await runCommand('bash', ['-c', RAISE_NOFILE, 'redis-benchmark', '-h', '127.0.0.1', '-p', String(port), '-c', String(CLIENTS),
    '-n', String(requests), '-P', String(pipeline), '-t', test.toLowerCase(), '--csv'], { timeoutMs: 300_000 });
  const line = res.stdout.split('\n').find((l) => l.startsWith(`"${test}`));
  const cells = line?.split(',').map((c) => Number(c.replaceAll('"', '')));
  // --csv: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  if (res.code !== 0 || cells === undefined || !(cells[1]! > 0) || /error/i.test(res.stdout + res.stderr)) {
    const why = res.timedOut ? 'timed out' : (res.stderr.trim() || res.stdout.trim()).split('\n').at(-1) ?? `exit ${res.code}`;
    return { test, pipeline, target, result: { error: why } };
  }
  return { test, pipeline, target, result: { rps: cells[1]!, p50: cells[4]!, p99: cells[6]! } };
}

function ratio(row: Row, rows: Row[]): string {
  const anchor = rows.find((r) => r.test === row.test && r.pipeline === row.pipeline && r.target === 'twemproxy')?.result;
  return anchor && 'rps' in anchor && 'rps' in row.result ? (row.result.rps / anchor.rps).toFixed(2) : '—';
}

function rowLine(row: Row, rows: Row[]): string {
  const head = `| ${row.test} | ${row.pipeline} | ${row.target} |`;
  if ('error' in row.result) return `${head} FAILED | | | ${row.result.error.replaceAll('|', '\\|')} |`;
  const { rps, p50, p99 } = row.result;
  return `${head} ${rps.toFixed(0)} | ${p50.toFixed(3)} | ${p99.toFixed(3)} | ${ratio(row, rows)} |`;
}

function report(rows: Row[], loadAtStart: number): string {
  const loadAtEnd = loadavg()[0] ?? 0;
  return [
    `Command: \`npm run bench:redis\` (redis-benchmark, ${CLIENTS} clients, -n ${baseRequests} at -P 1 and ${baseRequests * 4} at -P 16, halved for LRANGE_100; twemproxy with its default server_connections 1; Sluice with shared_connections 4)`,
    '',
    `- date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, machine: ${availableParallelism()} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.versions.node}, load average ${loadAtStart.toFixed(2)} at the start and ${loadAtEnd.toFixed(2)} at the end; Redis, the proxies and redis-benchmark on one machine`,
    '',
    '| test | -P | target | ops/s | p50 ms | p99 ms | ops/s vs twemproxy |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => rowLine(r, rows)),
  ].join('\n');
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
