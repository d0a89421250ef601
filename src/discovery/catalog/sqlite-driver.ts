/**
 * The catalog in a SQLite file (better-sqlite3), the default. Calls run synchronously inside
 * the promise they return: a statement is a short indexed read or write, prepared once and
 * cached, so the async interface costs a resolved promise and nothing else.
 */
import Database from 'better-sqlite3';
import type { SqlDriver, SqlParam, Statement } from './sql-driver.js';

export class SqliteDriver implements SqlDriver {
  private readonly db: Database.Database;
  private readonly prepared = new Map<string, Database.Statement>();

  /** Throws when the file cannot be opened or created. */
  constructor(path: string, ddl: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    // WAL with NORMAL syncs at checkpoints, not at every commit: a run writes one small
    // transaction per dataset, and a power cut losing the last commits only means the next run redoes them.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(ddl);
  }

  private statement(sql: string): Database.Statement {
    let s = this.prepared.get(sql);
    if (s === undefined) this.prepared.set(sql, s = this.db.prepare(sql));
    return s;
  }

  async all<R>(sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
    return this.statement(sql).all(...params) as R[];
  }

  async get<R>(sql: string, params: readonly SqlParam[] = []): Promise<R | undefined> {
    return this.statement(sql).get(...params) as R | undefined;
  }

  async batch(statements: readonly Statement[]): Promise<void> {
    // Synchronous from BEGIN to COMMIT, so no other call can slip into the transaction.
    this.db.transaction(() => {
      for (const [sql, params] of statements) this.statement(sql).run(...params);
    })();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
