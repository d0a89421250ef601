/**
 * The storm of bench:tls in a process of its own, so the bench can run it at low priority:
 * waves of WAVE simultaneous TLS logins (node-postgres), one a second or back to back when a
 * wave takes longer, until SIGTERM; then it prints its figures as one JSON line.
 *
 *   node tls-storm.js PORT CA_FILE
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { BENCH_DB, BENCH_PASSWORD, BENCH_USER } from './pgbench.js';

export const WAVE = 500;
export const WAVE_EVERY_MS = 1000;

export interface StormFigures { logins: number; failures: number; waveMs: number[] }

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const ca = readFileSync(process.argv[3]!, 'utf8');
  const figures: StormFigures = { logins: 0, failures: 0, waveMs: [] };
  let running = true;
  process.once('SIGTERM', () => { running = false; });
  const login = async (): Promise<void> => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: BENCH_USER, password: BENCH_PASSWORD, database: BENCH_DB, ssl: { ca, rejectUnauthorized: true }, connectionTimeoutMillis: 30_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      figures.logins++;
    } catch {
      figures.failures++;
    } finally {
      await client.end().catch(() => {});
    }
  };
  while (running) {
    const started = performance.now();
    await Promise.all(Array.from({ length: WAVE }, login));
    const took = performance.now() - started;
    figures.waveMs.push(took);
    if (running) await new Promise((r) => setTimeout(r, Math.max(0, WAVE_EVERY_MS - took)));
  }
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

// Imported by tls.ts for its constants and types; runs only as a script.
if (process.argv[1]?.endsWith('tls-storm.js')) {
  main().then(() => process.exit(0), (err: unknown) => {
    console.error(`tls-storm: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
