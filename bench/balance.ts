/**
 * `npm run bench:balance`: each replica's share of reads when one of them is made slow by a
 * delaying relay (issue 4 item 9). A primary and two streaming replicas; 50 clients run a
 * point read through Sluice for a few seconds per injected latency. Power of two choices on
 * latency EWMA × (1 + in flight) ÷ weight should move work off the slow host long before any
 * health threshold would eject it; the last column says whether it ever was.
 *
 *   BENCH_SECONDS=N per latency (default 5)   BENCH_CLIENTS=N (default 50)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { machineFacts } from './machine.js';
import { machineLines, writeSection } from './report.js';
import { type HostHealthRow, startRoutedGateway } from './routed-gateway.js';
import { startDelayRelay } from '../test/helpers/delay-relay.js';
import { startReplicatedCluster } from '../test/helpers/replication.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const DELAYS_MS = [0, 1, 5, 20];
const DOCS = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));

const cluster = await startReplicatedCluster(2);
const facts = await machineFacts();
const relay = await startDelayRelay(cluster.replicas[1]!.port);
const fastPort = String(cluster.replicas[0]!.port);
const slowPort = String(cluster.replicas[1]!.port);
const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-balance-'));
const { service, url, hosts } = await startRoutedGateway(dir, [cluster.primary.port, cluster.replicas[0]!.port, relay.port], 10, { read_write_split: true });
const slowHost = async (): Promise<HostHealthRow> => (await hosts()).find((h) => h.port === relay.port)!;

const clients = await Promise.all(Array.from({ length: CLIENTS }, async () => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}));

const rows: string[] = [];
for (const delay of DELAYS_MS) {
  relay.delayMs = delay;
  // Let the probes carry the new latency into the EWMA first.
  await new Promise((r) => setTimeout(r, 1000));
  const shares = new Map<string, number>();
  const ejectionsBefore = (await slowHost()).health.ejections;
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(clients.map(async (c) => {
    while (performance.now() < until) {
      const { rows: r } = await c.query<{ port: string }>("SELECT current_setting('port') AS port");
      const port = r[0]!.port;
      shares.set(port, (shares.get(port) ?? 0) + 1);
    }
  }));
  const fast = shares.get(fastPort) ?? 0;
  const slow = shares.get(slowPort) ?? 0;
  const total = fast + slow + (shares.get(String(cluster.primary.port)) ?? 0);
  const pct = (n: number): string => `${((100 * n) / Math.max(total, 1)).toFixed(1)}%`;
  const after = (await slowHost()).health;
  rows.push(`| ${delay} ms | ${total} | ${pct(fast)} | ${pct(slow)} | ${slow === 0 ? '∞' : (fast / slow).toFixed(1)} : 1 | ${after.latencyEwmaMs.toFixed(2)} ms | ${after.ejections - ejectionsBefore} |`);
}

const table = [
  `| latency added to replica B | reads | replica A | replica B | A : B | B's latency EWMA | B ejected |`,
  `| --- | --- | --- | --- | --- | --- | --- |`,
  ...rows,
].join('\n');
console.log(table);
await writeSection(DOCS, [
  '## Read balance under injected latency (`npm run bench:balance`)',
  '',
  `${CLIENTS} clients, ${SECONDS} s per row, pool size 10 per host; the delay is added to every server-to-client chunk of replica B by a loopback relay in the bench process. B is behind the relay in every row, so the 0 ms row shows what the relay's own hop costs B.`,
  '',
  table,
  '',
  machineLines(facts),
].join('\n'), 'balance');
await Promise.all(clients.map((c) => c.end()));
await service.stop();
await relay.close();
await cluster.destroy();
await rm(dir, { recursive: true, force: true });
