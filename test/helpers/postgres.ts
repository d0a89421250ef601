/**
 * The local PostgreSQL 15 that integration tests use (127.0.0.1:5432, trust auth; `.ci/run`
 * starts it and creates the `sluice_test` and `bench` roles). Admin work runs as `postgres`.
 */
import pg from 'pg';

export const PG_HOST = '127.0.0.1';
export const PG_PORT = 5432;
export const PG_ADMIN_USER = 'postgres';
export const PG_URL = `postgres://${PG_ADMIN_USER}@${PG_HOST}:${PG_PORT}/postgres`;

/** Role and database made by `.ci/run` for tests that need a non-superuser with a password. */
export const TEST_ROLE = 'sluice_test';
export const TEST_PASSWORD = 'sluice_test';
export const TEST_DATABASE = 'sluice_test';

// SQLSTATEs raised when a concurrent setup created the same object first.
const DUPLICATE_OBJECT = '42710';
const DUPLICATE_DATABASE = '42P04';

/** Runs one statement as the superuser on a fresh connection and returns its rows. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: PG_URL, application_name: 'sluice-test-admin' });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Creates (or re-passwords) a LOGIN role and a database of the same name that it owns. */
export async function ensureRoleAndDb(name: string, password: string): Promise<void> {
  const role = pg.escapeIdentifier(name);
  const [existing] = await adminQuery('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  if (!existing) await ignoring(DUPLICATE_OBJECT, adminQuery(`CREATE ROLE ${role} LOGIN`));
  // Always reset the password so a role left by an older run still matches what tests send.
  await adminQuery(`ALTER ROLE ${role} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
  const [db] = await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (!db) await ignoring(DUPLICATE_DATABASE, adminQuery(`CREATE DATABASE ${role} OWNER ${role}`));
}

export interface BackendFilter {
  usename?: string;
  datname?: string;
  application_name?: string;
}

/**
 * Client backends matching every given field, not counting the connection that asks, nor
 * Sluice's health-probe connections (one per host, application_name sluice-probe) unless
 * application_name is asked for: tests count what pools hold.
 */
export async function countBackends(where: BackendFilter): Promise<number> {
  const conditions = ["backend_type = 'client backend'", 'pid <> pg_backend_pid()'];
  if (where.application_name === undefined) conditions.push("application_name <> 'sluice-probe'");
  const params: string[] = [];
  for (const [column, value] of Object.entries(where)) {
    if (value === undefined) continue;
    params.push(value);
    conditions.push(`${pg.escapeIdentifier(column)} = $${params.length}`);
  }
  const [row] = await adminQuery<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE ${conditions.join(' AND ')}`,
    params,
  );
  return row?.n ?? 0;
}

/**
 * Polls until countBackends(where) equals `expected`, because a backend leaves
 * pg_stat_activity a moment after its client closed and PostgreSQL sends no event for it.
 * Resolves with the last count seen (the caller asserts on it).
 */
export async function waitForBackends(where: BackendFilter, expected: number, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await countBackends(where);
    if (n === expected || Date.now() >= deadline) return n;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function ignoring(sqlstate: string, work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === sqlstate)) throw err;
  }
}

/** Connect and disconnect; the error a login (or its first use) failed with, or null when it worked. */
export async function loginError(config: string | pg.ClientConfig): Promise<{ code?: string; message: string } | null> {
  const c = new pg.Client(config);
  c.on('error', () => {});
  try {
    await c.connect();
    await c.end();
    return null;
  } catch (err) {
    await c.end().catch(() => {});
    return err as { code?: string; message: string };
  }
}
