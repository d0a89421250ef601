/**
 * The catalog in a PostgreSQL database (`discovery.catalog: postgres://...`), for deployments
 * that run several Sluice processes or want the catalog next to their other metadata. A small
 * pg.Pool; `?` placeholders become `$1…`; BIGINT (epoch milliseconds, counts) comes back as a
 * number, as SQLite gives it. The tables are created at first use under an advisory lock, so
 * processes starting together do not race on CREATE TABLE.
 */
import pg from 'pg';
import type { SqlDriver, SqlParam, Statement } from './sql-driver.js';

const INT8_OID = 20;
/** Any constant: the lock only has to be the same in every Sluice process. */
const DDL_LOCK = 0x51c3ca7a;

function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export class PostgresDriver implements SqlDriver {
  private readonly pool: pg.Pool;
  private readonly ready: Promise<void>;

  constructor(url: string, ddl: string) {
    this.pool = new pg.Pool({
      connectionString: url, max: 4, application_name: 'sluice-catalog', idleTimeoutMillis: 30_000,
      types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
    });
    // An idle client losing its server is reported here; the next query gets a fresh one.
    this.pool.on('error', () => {});
    this.ready = this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [DDL_LOCK]);
      await client.query(ddl);
    });
    // The first caller sees a failure; this keeps it from being unhandled before then.
    this.ready.catch(() => {});
  }

  /** Resolves once the tables exist; rejects when the database cannot be reached. */
  opened(): Promise<void> {
    return this.ready;
  }

  async all<R>(sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
    await this.ready;
    return (await this.pool.query({ text: numbered(sql), values: [...params] })).rows as R[];
  }

  async get<R>(sql: string, params: readonly SqlParam[] = []): Promise<R | undefined> {
    return (await this.all<R>(sql, params))[0];
  }

  async batch(statements: readonly Statement[]): Promise<void> {
    await this.ready;
    await this.transaction(async (client) => {
      for (const [sql, params] of statements) await client.query(numbered(sql), [...params]);
    });
  }

  private async transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
