/**
 * What the catalog store needs from a database: read rows, and write a batch of statements
 * atomically. Statements use `?` placeholders and SQL that SQLite and PostgreSQL both accept
 * (upserts with ON CONFLICT, RETURNING), so one store serves both; a backend is one small
 * file (sqlite-driver.ts, postgres-driver.ts).
 */
export type SqlParam = string | number | null;
export type Statement = readonly [sql: string, params: readonly SqlParam[]];

export interface SqlDriver {
  all<R>(sql: string, params?: readonly SqlParam[]): Promise<R[]>;
  get<R>(sql: string, params?: readonly SqlParam[]): Promise<R | undefined>;
  /** Runs every statement in one transaction: all of them take effect or none. */
  batch(statements: readonly Statement[]): Promise<void>;
  close(): Promise<void>;
}
