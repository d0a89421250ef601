/**
 * MySQL / MariaDB connector (mysql2): one connection as Sluice's server user, a per-statement
 * time limit in the server's own dialect, values fetched as CHAR and cut to the size bound.
 */
import mysql from 'mysql2/promise';
import type { Connector, ConnectorLimits, DiscoveryTarget } from '../connector.js';
import { DiscoveryError } from '../errors.js';
import { isLoopbackHost, lowerMariadbThread } from '../local-priority.js';
import type { DatasetInfo, DatasetSample } from '../types.js';
import { DatasetAssembler, quoteMysql } from './assemble.js';
import {
  MYSQL_COLUMNS, MYSQL_INDEXES, MYSQL_KEYS, MYSQL_PARTITIONS, MYSQL_SCHEMAS, MYSQL_SYSTEM_SCHEMAS, MYSQL_TABLES,
  type MysqlColumnRow, type MysqlIndexRow, type MysqlKeyRow, type MysqlPartitionRow, type MysqlTableRow,
} from './mysql-queries.js';

export async function connectMysql(target: DiscoveryTarget, limits: ConnectorLimits): Promise<Connector> {
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({
      host: target.host, port: target.port, user: target.user, password: target.password,
      connectTimeout: limits.statementTimeoutMs, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true,
    });
  } catch (err) {
    throw new DiscoveryError('SLUICE_DISCOVERY_CONNECT', `discovery could not connect to ${target.host}:${target.port} for source "${target.source}": ${(err as Error).message}`, { cause: err });
  }
  conn.on('error', () => {});
  const [[version]] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
  // MariaDB limits statements in seconds (max_statement_time), MySQL in ms and only for SELECT.
  const mariadb = String(version?.['v'] ?? '').includes('MariaDB');
  await conn.query(mariadb ? `SET SESSION max_statement_time = ${limits.statementTimeoutMs / 1000}` : `SET SESSION max_execution_time = ${Math.round(limits.statementTimeoutMs)}`);
  await conn.query('SET SESSION TRANSACTION READ ONLY');
  const restorePriority = mariadb && isLoopbackHost(target.host) ? await lowerServerThread(conn) : null;
  return new MysqlConnector(conn, target, limits, restorePriority);
}

/** A MariaDB on this machine: the thread serving this connection runs at discovery's nice level (local-priority.ts); returns what puts it back. */
async function lowerServerThread(conn: mysql.Connection): Promise<(() => void) | null> {
  try {
    const [[row]] = await conn.query<mysql.RowDataPacket[]>('SELECT tid, @@thread_handling AS handling FROM information_schema.processlist WHERE id = CONNECTION_ID()');
    return row === undefined ? null : lowerMariadbThread(Number(row['tid']), String(row['handling']) === 'pool-of-threads');
  } catch {
    // A server without the tid column: the priority stays as it was.
    return null;
  }
}

/** An error the server answered with (a SQL state, not `fatal`) concerns that statement alone. */
function sampleError(err: unknown): DiscoveryError {
  const answered = typeof (err as { sqlState?: unknown }).sqlState === 'string' && (err as { fatal?: boolean }).fatal !== true;
  return new DiscoveryError(answered ? 'SLUICE_DISCOVERY_SAMPLE' : 'SLUICE_DISCOVERY_QUERY', `discovery statement failed: ${(err as Error).message}`, { cause: err });
}

class MysqlConnector implements Connector {
  readonly kind = 'mysql' as const;
  constructor(
    private readonly conn: mysql.Connection,
    private readonly target: DiscoveryTarget,
    private readonly limits: ConnectorLimits,
    /** Puts the server thread's priority back before the connection closes and the server caches the thread for the next one. */
    private readonly restorePriority: (() => void) | null,
  ) {}

  private async rows<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      const [rows] = await this.conn.query<mysql.RowDataPacket[]>(sql, params);
      return rows as R[];
    } catch (err) {
      throw new DiscoveryError('SLUICE_DISCOVERY_QUERY', `discovery query failed: ${(err as Error).message}`, { cause: err });
    }
  }

  private async schemas(): Promise<string[]> {
    if (this.target.database !== '') return [this.target.database];
    return (await this.rows<{ schema: string }>(MYSQL_SCHEMAS, [MYSQL_SYSTEM_SCHEMAS])).map((r) => r.schema);
  }

  async introspect(): Promise<DatasetInfo[]> {
    const schemas = await this.schemas();
    if (schemas.length === 0) return [];
    const out = new DatasetAssembler();
    for (const t of await this.rows<MysqlTableRow>(MYSQL_TABLES, [schemas])) {
      const view = t.type === 'VIEW' || t.type === 'SYSTEM VIEW';
      out.add(t.schema, t.name, view ? 'view' : 'table', t.comment, view || t.rows === null ? null : Number(t.rows));
    }
    for (const c of await this.rows<MysqlColumnRow>(MYSQL_COLUMNS, [schemas])) {
      out.field(c.schema, c.table, { name: c.name, type: c.type, nullable: c.nullable === 'YES', default: c.default, comment: c.comment || null, position: Number(c.position) });
    }
    const fks = new Map<string, { schema: string; table: string; name: string; columns: string[]; refDataset: string; refColumns: string[] }>();
    const uniques = new Map<string, { schema: string; table: string; columns: string[] }>();
    for (const k of await this.rows<MysqlKeyRow>(MYSQL_KEYS, [schemas])) {
      const key = `${k.schema}.${k.table}.${k.name}`;
      if (k.type === 'PRIMARY KEY') out.get(k.schema, k.table)?.primaryKey.push(k.column);
      else if (k.type === 'UNIQUE') {
        const u = uniques.get(key) ?? { schema: k.schema, table: k.table, columns: [] };
        u.columns.push(k.column);
        uniques.set(key, u);
      } else {
        const fk = fks.get(key) ?? { schema: k.schema, table: k.table, name: k.name, columns: [], refDataset: `${k.ref_schema}.${k.ref_table}`, refColumns: [] };
        fk.columns.push(k.column);
        fk.refColumns.push(k.ref_column ?? '');
        fks.set(key, fk);
      }
    }
    for (const u of uniques.values()) out.unique(u.schema, u.table, u.columns);
    for (const { schema, table, ...fk } of fks.values()) out.foreignKey(schema, table, fk);
    const indexes = new Map<string, { schema: string; table: string; name: string; unique: boolean; method: string; columns: string[] }>();
    for (const i of await this.rows<MysqlIndexRow>(MYSQL_INDEXES, [schemas])) {
      const key = `${i.schema}.${i.table}.${i.name}`;
      const index = indexes.get(key) ?? { schema: i.schema, table: i.table, name: i.name, unique: Number(i.non_unique) === 0, method: i.method, columns: [] };
      // A functional key part has no column name; show it as the expression placeholder.
      index.columns.push(i.column ?? '(expression)');
      indexes.set(key, index);
    }
    for (const { schema, table, ...i } of indexes.values()) out.index(schema, table, { ...i, primary: i.name === 'PRIMARY', method: i.method.toLowerCase() });
    for (const p of await this.rows<MysqlPartitionRow>(MYSQL_PARTITIONS, [schemas])) out.partition(p.schema, p.table, `${p.schema}.${p.table}#${p.name}`);
    return out.datasets();
  }

  async sample(dataset: DatasetInfo, rows: number): Promise<DatasetSample> {
    const fields = dataset.fields.map((f) => f.name);
    if (fields.length === 0) return { fields, values: [] };
    const cols = fields.map((f) => `LEFT(CAST(${quoteMysql(f)} AS CHAR), ${this.limits.maxValueLength})`).join(', ');
    // No cheap random sampling in MySQL: the first rows of the clustered index are the sample.
    const sql = `SELECT ${cols} FROM ${quoteMysql(dataset.schema)}.${quoteMysql(dataset.name)} LIMIT ${rows}`;
    let result: unknown[][];
    try {
      [result] = await this.conn.query<mysql.RowDataPacket[][]>({ sql, rowsAsArray: true });
    } catch (err) {
      throw sampleError(err);
    }
    return { fields, values: fields.map((_, i) => result.map((row) => (row[i] === null || row[i] === undefined ? null : String(row[i])))) };
  }

  async countPresent(dataset: DatasetInfo, column: string, values: readonly string[]): Promise<number> {
    if (values.length === 0) return 0;
    const c = quoteMysql(column);
    try {
      const [rows] = await this.conn.query<mysql.RowDataPacket[]>(`SELECT COUNT(DISTINCT ${c}) AS n FROM ${quoteMysql(dataset.schema)}.${quoteMysql(dataset.name)} WHERE ${c} IN (?)`, [values]);
      return Number(rows[0]?.['n'] ?? 0);
    } catch (err) {
      throw sampleError(err);
    }
  }

  async close(): Promise<void> {
    this.restorePriority?.();
    await this.conn.end().catch(() => {});
  }
}
