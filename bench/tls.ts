/**
 * `npm run bench:tls`: does a storm of new TLS clients stall the clients already connected?
 * 50 established clients (pgbench select-only simple over TLS, pool 50) run rotating rounds:
 * quiet, and with a storm of waves of 500 simultaneous TLS logins (SSLRequest, handshake,
 * startup, authentication, Terminate; bench/tls-storm.ts), the storm's client once at normal
 * priority and once at nice 19. Each round runs every side once, back to back, so each storm
 * figure is divided by the quiet figure of its own round (this VM's throughput drifts by
 * tens of percent within minutes; a ratio of medians over the whole run mixes that drift in),
 * and the median of those per-round ratios is reported; the target is above 80%.
 *
 *   BENCH_SECONDS=N  length of each round (default 10)   BENCH_ROUNDS=N  rounds per side (default 3)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { makeTestPki } from '../test/helpers/tls-certs.js';
import { machineFacts } from './machine.js';
import { BENCH_DB, BENCH_PASSWORD, BENCH_USER, ensureBenchData, runPgbench } from './pgbench.js';
import { freePort } from './proc.js';
import { machineLines, writeSection } from './report.js';
import { median, tps } from './rounds.js';
import { startSluice } from './sluice.js';
import { type StormFigures, WAVE, WAVE_EVERY_MS } from './tls-storm.js';

const POOL_SIZE = 50;
const ESTABLISHED = 50;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const DOCS = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
const STORM = fileURLToPath(new URL('./tls-storm.js', import.meta.url));

/**
 * The storm's client at a given niceness. At 0 its own TLS handshakes compete with pgbench
 * and PostgreSQL for the same two cores; at 19 it gets what they leave, so the figure shows
 * what Sluice's side of the handshakes costs the established clients.
 */
function startStorm(port: number, caFile: string, nice: number): { stop(): Promise<StormFigures> } {
  const child = spawn('nice', ['-n', String(nice), process.execPath, STORM, String(port), caFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  const exited = once(child, 'exit');
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
      return JSON.parse(out) as StormFigures;
    },
  };
}

async function main(): Promise<void> {
  await ensureBenchData();
  const machine = await machineFacts();
  const pki = await makeTestPki();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-tls-'));
  const port = await freePort();
  const sluice = await startSluice(dir, { port, poolSize: POOL_SIZE, maxClientConn: 4000, user: BENCH_USER, password: BENCH_PASSWORD, database: BENCH_DB },
    { client_tls: { mode: 'allow', cert: pki.serverCert, key: pki.serverKey } });
  // Rounds rotate through the three sides, so drift during the bench falls on each of them.
  const sides: Side[] = [{ name: 'quiet', nice: null }, { name: 'storm, its client at nice 0', nice: 0 }, { name: 'storm, its client at nice 19', nice: 19 }];
  const figures = new Map<Side, SideFigures>(sides.map((side) => [side, { tps: [], p99: [], storms: [] }]));
  const established = { script: 'select-only', mode: 'simple', port, clients: ESTABLISHED, threads: 1, seconds, env: { PGSSLMODE: 'require' } } as const;
  try {
    await runPgbench({ ...established, seconds: 3 });
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < sides.length; i++) {
        const side = sides[(round + i) % sides.length]!;
        const f = figures.get(side)!;
        const storm = side.nice === null ? null : startStorm(port, pki.caCert, side.nice);
        const result = await runPgbench(established);
        const stormFigures = await storm?.stop();
        f.tps.push(tps(result));
        if (result.ok) f.p99.push(result.p99Ms);
        if (stormFigures !== undefined) f.storms.push(stormFigures);
        console.log(`round ${round + 1} ${side.name}: ${tps(result).toFixed(0)} tps${stormFigures ? `, ${stormFigures.logins} TLS logins (${stormFigures.failures} failed)` : ''}`);
      }
    }
  } finally {
    await sluice.service.stop();
    await rm(dir, { recursive: true, force: true });
    await pki.remove();
  }
  const quietByRound = figures.get(sides[0]!)!.tps;
  const rows = sides.map((side) => {
    const f = figures.get(side)!;
    const logins = f.storms.reduce((n, st) => n + st.logins, 0);
    const failures = f.storms.reduce((n, st) => n + st.failures, 0);
    const waves = f.storms.flatMap((st) => st.waveMs);
    const storm = side.nice === null ? '—' : `${(logins / (rounds * seconds)).toFixed(0)}/s, ${failures} failed, a wave of ${WAVE} in ${(median(waves) / 1000).toFixed(1)} s (median)`;
    const ofQuiet = f.tps.map((v, round) => v / quietByRound[round]!);
    return `| ${side.name} | ${median(f.tps).toFixed(0)} | ${(median(ofQuiet) * 100).toFixed(1)}% | ${ofQuiet.map((r) => (r * 100).toFixed(0) + '%').join(', ')} | ${median(f.p99).toFixed(1)} | ${storm} | ${f.tps.map((v) => v.toFixed(0)).join(', ')} |`;
  });
  const body = [
    `Command: \`${seconds === 10 && rounds === 3 ? '' : `BENCH_SECONDS=${seconds} BENCH_ROUNDS=${rounds} `}npm run bench:tls\` (${ESTABLISHED} established clients: pgbench select-only simple with PGSSLMODE=require, pool ${POOL_SIZE}; storm: a wave of ${WAVE} simultaneous TLS logins with node-postgres every ${WAVE_EVERY_MS / 1000} s or back to back, ECDSA P-256 certificate, from a process of its own; ${rounds} rotating rounds of ${seconds} s per side)`,
    '',
    machineLines(machine),
    '',
    '| side | median tps | of quiet (median of rounds) | of quiet, each round | median p99 (ms) | TLS logins | rounds (tps) |',
    '| --- | ---: | ---: | --- | ---: | --- | --- |',
    ...rows,
    '',
    'Target: established clients keep more than 80% of their throughput. While Sluice\'s event loop is busy, new handshakes start at most `client_tls.busy_handshake_rate` (default 100) a second, so a wave takes longer to log in and established clients keep their share.',
    '',
    'At nice 0 the storm\'s own client handshakes take CPU from pgbench and PostgreSQL on the same two cores; at nice 19 they take only what is left, so that row shows the cost of Sluice\'s side of the handshakes.',
  ].join('\n');
  console.log(`\n${body}\n`);
  await writeSection(DOCS, body, 'tls');
  console.log(`written to ${DOCS}`);
}

interface Side { name: string; nice: number | null }
interface SideFigures { tps: number[]; p99: number[]; storms: StormFigures[] }

main().then(() => process.exit(0), (err: unknown) => {
  console.error(`bench:tls: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
