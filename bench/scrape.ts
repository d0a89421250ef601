/**
 * `npm run bench:scrape`: what Prometheus scraping costs the proxy. pgbench select-only at
 * 1000 clients through Sluice (pool 50), alternating rounds without and with a scraper that
 * fetches /metrics once a second, as a 1 s scrape_interval would. Rounds alternate so drift
 * (page cache, autovacuum, CPU boost) falls on both sides; the ratio of medians is reported.
 *
 *   BENCH_SECONDS=N  length of each round (default 10)   BENCH_ROUNDS=N  rounds per side (default 5)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineFacts } from './machine.js';
import { BENCH_DB, BENCH_PASSWORD, BENCH_USER, ensureBenchData, runPgbench } from './pgbench.js';
import { freePort } from './proc.js';
import { machineLines, writeSection } from './report.js';
import { median, tps } from './rounds.js';
import { startSluice } from './sluice.js';

const POOL_SIZE = 50;
const CLIENTS = 1000;
const SCRAPE_INTERVAL_MS = 1000;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const DOCS = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));

interface ScrapeFigures { scrapes: number; failures: number; durationsMs: number[]; bytes: number }

/** Fetch /metrics every interval until stopped; a failed or slow scrape is counted, not fatal. */
function startScraper(url: string): { stop(): Promise<ScrapeFigures> } {
  const figures: ScrapeFigures = { scrapes: 0, failures: 0, durationsMs: [], bytes: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
        const text = await res.text();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        figures.bytes = text.length;
        figures.scrapes++;
      } catch {
        figures.failures++;
      }
      const took = performance.now() - started;
      figures.durationsMs.push(took);
      await new Promise((r) => setTimeout(r, Math.max(0, SCRAPE_INTERVAL_MS - took)));
    }
  })();
  return { async stop() { running = false; await loop; return figures; } };
}


async function main(): Promise<void> {
  await ensureBenchData();
  const machine = await machineFacts();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-scrape-'));
  const port = await freePort();
  const sluice = await startSluice(dir, { port, poolSize: POOL_SIZE, maxClientConn: 2000, user: BENCH_USER, password: BENCH_PASSWORD, database: BENCH_DB });
  const metricsUrl = `http://127.0.0.1:${sluice.adminPort}/metrics`;
  const plain: number[] = [];
  const scraped: number[] = [];
  const scrapeMs: number[] = [];
  let bytes = 0;
  let failures = 0;
  try {
    // One warm-up round: the first 1000 logins and JIT would otherwise fall on one side.
    await runPgbench({ script: 'select-only', mode: 'simple', port, clients: CLIENTS, threads: 2, seconds: 5 });
    for (let round = 0; round < rounds; round++) {
      // Alternate which side goes first, so a trend within a pair cancels across pairs.
      for (const withScraper of round % 2 === 0 ? [false, true] : [true, false]) {
        const scraper = withScraper ? startScraper(metricsUrl) : null;
        const result = await runPgbench({ script: 'select-only', mode: 'simple', port, clients: CLIENTS, threads: 2, seconds });
        const figures = await scraper?.stop();
        (withScraper ? scraped : plain).push(tps(result));
        if (figures !== undefined) {
          scrapeMs.push(...figures.durationsMs);
          bytes = figures.bytes;
          failures += figures.failures;
        }
        console.log(`round ${round + 1} ${withScraper ? 'scraped' : 'plain  '}: ${tps(result).toFixed(0)} tps${figures ? `, ${figures.scrapes} scrapes, median ${median(figures.durationsMs).toFixed(1)} ms` : ''}`);
      }
    }
  } finally {
    await sluice.service.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const ratio = median(scraped) / median(plain);
  const body = [
    `Command: \`${seconds === 10 && rounds === 5 ? '' : `BENCH_SECONDS=${seconds} BENCH_ROUNDS=${rounds} `}npm run bench:scrape\` (pgbench select-only simple, ${CLIENTS} clients, -j 2, pool ${POOL_SIZE}; ${rounds} alternating rounds of ${seconds} s per side; scraper: GET /metrics every ${SCRAPE_INTERVAL_MS} ms)`,
    '',
    machineLines(machine),
    '',
    '| side | median tps | rounds (tps) |',
    '| --- | ---: | --- |',
    `| no scraping | ${median(plain).toFixed(0)} | ${plain.map((v) => v.toFixed(0)).join(', ')} |`,
    `| /metrics every 1 s | ${median(scraped).toFixed(0)} | ${scraped.map((v) => v.toFixed(0)).join(', ')} |`,
    '',
    `Throughput with scraping: **${(ratio * 100).toFixed(1)}%** of without (cost ${((1 - ratio) * 100).toFixed(1)}%). ` +
      `Scrape under load: median ${median(scrapeMs).toFixed(1)} ms, max ${Math.max(...scrapeMs).toFixed(1)} ms, ${(bytes / 1024).toFixed(1)} KiB, ${failures} failed.`,
  ].join('\n');
  console.log(`\n${body}\n`);
  await writeSection(DOCS, body, 'scrape');
  console.log(`written to ${DOCS}`);
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(`bench:scrape: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
