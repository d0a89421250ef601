/**
 * `npm run bench:failover`: the write outage of a failover through Sluice (issue 4 item 9).
 * A primary and one streaming replica; 200 clients write in a loop through Sluice; the
 * primary is stopped (`pg_ctl stop -m immediate`), and after a detection delay such as an
 * orchestrator's the replica is promoted (`pg_ctl promote`). Printed: the gap from the
 * primary being gone (pg_ctl stop returned) to the first committed write after it, the gap from the promotion to it, and the errors the
 * clients saw (writes in flight on the dying primary fail; waiting ones must not).
 * No anchor: PgBouncer keeps sending to the dead host until reconfigured.
 *
 *   BENCH_CLIENTS=N (default 200)   BENCH_PROMOTE_AFTER_MS=N (default 1000)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { machineFacts } from './machine.js';
import { machineLines, writeSection } from './report.js';
import { startRoutedGateway } from './routed-gateway.js';
import { startReplicatedCluster } from '../test/helpers/replication.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 200);
const PROMOTE_AFTER_MS = Number(process.env.BENCH_PROMOTE_AFTER_MS ?? 1000);
const DOCS = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));

const cluster = await startReplicatedCluster(1);
const facts = await machineFacts();
const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-failover-'));
const { service, url } = await startRoutedGateway(dir, [cluster.primary.port, cluster.replicas[0]!.port], 20, { read_write_split: true, failover_timeout: '30s' });

let running = true;
let stoppedAt = Infinity;
let firstCommitAfterStop = Infinity;
let commits = 0;
const errors = new Map<string, number>();

/** One client: write until told to stop; on an error count it and reconnect, as an application would. */
async function writer(): Promise<void> {
  while (running) {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => undefined);
    try {
      await c.connect();
      while (running) {
        await c.query("INSERT INTO items (v) VALUES ('bench')");
        commits++;
        const now = performance.now();
        if (now > stoppedAt && now < firstCommitAfterStop) firstCommitAfterStop = now;
      }
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'other';
      errors.set(code, (errors.get(code) ?? 0) + 1);
    } finally {
      await c.end().catch(() => undefined);
    }
  }
}

const writers = Array.from({ length: CLIENTS }, () => writer());
await new Promise((r) => setTimeout(r, 2000));
const before = commits;
errors.clear();
await cluster.primary.stop();
// From here the primary is gone: any commit after this is on the promoted host.
stoppedAt = performance.now();
await new Promise((r) => setTimeout(r, PROMOTE_AFTER_MS));
const promotedAt = performance.now();
await cluster.replicas[0]!.promote();
const promotedDone = performance.now();
while (firstCommitAfterStop === Infinity && performance.now() - promotedDone < 30_000) await new Promise((r) => setTimeout(r, 5));
await new Promise((r) => setTimeout(r, 1000));
running = false;
await Promise.all(writers);

const errorText = errors.size === 0 ? '0' : [...errors].map(([code, n]) => `${n} × ${code}`).join(', ');
const table = [
  `| clients | writes before stop (2 s) | stop → first commit | promote → first commit | client errors during failover |`,
  `| --- | --- | --- | --- | --- |`,
  `| ${CLIENTS} | ${before} | ${(firstCommitAfterStop - stoppedAt).toFixed(0)} ms | ${(firstCommitAfterStop - promotedAt).toFixed(0)} ms (pg_ctl promote -w took ${(promotedDone - promotedAt).toFixed(0)} ms) | ${errorText} |`,
].join('\n');
console.log(table);
await writeSection(DOCS, [
  '## Failover (`npm run bench:failover`)',
  '',
  `Primary stopped with \`pg_ctl stop -m immediate\`, replica promoted ${PROMOTE_AFTER_MS} ms later with \`pg_ctl promote\`; probe_interval 200ms.`,
  'Errors are writes that were in flight on the primary when it died (never re-run); waiting writes do not fail.',
  '',
  table,
  '',
  machineLines(facts),
].join('\n'), 'failover');
await service.stop();
await cluster.destroy();
await rm(dir, { recursive: true, force: true });
