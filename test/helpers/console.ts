/**
 * The PgBouncer-compatible console from tests: a Sluice with an admin and a stats user, and
 * queries that return column names, type OIDs and rows as arrays.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { startSluice, type TestSluice, type TestSluiceOptions } from './sluice.js';

export const ADMIN = { name: 'console_admin', password: 'admin-pw' };
export const STATS = { name: 'console_stats', password: 'stats-pw' };

export function startConsoleSluice(o: TestSluiceOptions = {}): Promise<TestSluice> {
  return startSluice({ ...o, console: { admin: [ADMIN], stats: [STATS] } });
}

export async function consoleClient(s: TestSluice, who = ADMIN, database = 'pgbouncer'): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: s.port, user: who.name, password: who.password, database });
  c.on('error', () => {});
  await c.connect();
  return c;
}

export interface Answer { columns: string[]; types: number[]; rows: unknown[][]; command: string }

export async function ask(c: pg.Client, sql: string): Promise<Answer> {
  const r = await c.query({ text: sql, rowMode: 'array' });
  return { columns: r.fields.map((f) => f.name), types: r.fields.map((f) => f.dataTypeID), rows: r.rows as unknown[][], command: r.command };
}

/** Rows as objects by column name. */
export function records(a: Answer): Record<string, unknown>[] {
  return a.rows.map((row) => Object.fromEntries(a.columns.map((c, i) => [c, row[i]])));
}

const run = promisify(execFile);

/** `psql -h 127.0.0.1 -p PORT -U user pgbouncer -c command`; resolves with stdout. */
export async function psql(s: TestSluice, command: string, who = ADMIN): Promise<string> {
  const { stdout } = await run('psql', ['-X', '-h', '127.0.0.1', '-p', String(s.port), '-U', who.name, 'pgbouncer', '-c', command], {
    env: { ...process.env, PGPASSWORD: who.password, PGSSLMODE: 'disable' },
  });
  return stdout;
}
