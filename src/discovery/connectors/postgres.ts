/**
 * PostgreSQL connector: a pg.Pool of one connection per lane the strategy allows, as Sluice's
 * server user, each read-only with a statement_timeout on every statement, and every value
 * fetched as text (left()-cut) so samples are bounded and uniform. One pg.Client would queue
 * the lanes' statements behind each other (and pg 8.23 warns that is going away).
 */
import pg from 'pg';
import type { Connector, ConnectorLimits, DiscoveryTarget } from '../connector.js';
import { DiscoveryError } from '../errors.js';
import { isLoopbackHost, lowerPostgresBackend } from '../local-priority.js';
import type { DatasetInfo, DatasetKind, DatasetSample } from '../types.js';
import { DatasetAssembler, quotePg } from './assemble.js';
import {
  PG_COLUMNS, PG_CONSTRAINTS, PG_INDEXES, PG_PARTITIONS, PG_RELATIONS,
  type PgColumnRow, type PgConstraintRow, type PgIndexRow, type PgPartitionRow, type PgRelationRow,
} from './pg-queries.js';

const KINDS: Readonly<Record<string, DatasetKind>> = { r: 'table', v: 'view', m: 'materialized_view', p: 'partitioned_table', f: 'foreign_table' };
/** Keep every value as the server's text: classification reads text, and no JS number loses digits. */
const TEXT_TYPES = { getTypeParser: () => (value: string) => value };

export async function connectPostgres(target: DiscoveryTarget, limits: ConnectorLimits): Promise<Connector> {
  const pool = new pg.Pool({
    host: target.host, port: target.port, user: target.user, password: target.password, database: target.database,
    application_name: 'sluice-discovery',
    statement_timeout: limits.statementTimeoutMs,
    connectionTimeoutMillis: limits.statementTimeoutMs,
    // Discovery only reads; a read-only transaction mode from the startup packet on makes that
    // a guarantee on every connection of the pool, not a promise.
    options: '-c default_transaction_read_only=on',
    max: Math.max(1, limits.lanes ?? 1),
    // Awaited before the connection takes its first statement.
    ...(isLoopbackHost(target.host) && { onConnect: lowerBackendOf }),
  });
  // A server that goes away mid-run surfaces as a failed query; this keeps it from being unhandled.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw new DiscoveryError('SLUICE_DISCOVERY_CONNECT', `discovery could not connect to ${target.host}:${target.port} for source "${target.source}": ${(err as Error).message}`, { cause: err });
  }
  return new PostgresConnector(pool, limits);
}

/**
 * A server on this machine: its backend for this connection runs at discovery's nice level
 * (local-priority.ts). A failure only means the priority stays as it was.
 */
async function lowerBackendOf(client: pg.ClientBase): Promise<void> {
  try {
    const { rows: [row] } = await client.query<{ pid: number; port: number | null }>('SELECT pg_backend_pid() AS pid, inet_client_port() AS port');
    if (row?.port != null) lowerPostgresBackend(Number(row.pid), Number(row.port));
  } catch {
    // The connection's first real statement reports a server that went away.
  }
}

class PostgresConnector implements Connector {
  readonly kind = 'postgres' as const;
  constructor(private readonly pool: pg.Pool, private readonly limits: ConnectorLimits) {}

  private async rows<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (err) {
      throw new DiscoveryError('SLUICE_DISCOVERY_QUERY', `discovery query failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async introspect(): Promise<DatasetInfo[]> {
    const relations = await this.rows<PgRelationRow>(PG_RELATIONS);
    const out = new DatasetAssembler();
    const partitionRows = new Map<string, number>();
    for (const r of relations) {
      // Partitions are listed under their parent, which stands for them in the catalog.
      if (r.is_partition) {
        partitionRows.set(`${r.schema}.${r.name}`, Math.max(0, r.reltuples));
        continue;
      }
      out.add(r.schema, r.name, KINDS[r.kind] ?? 'table', r.comment, r.kind === 'v' || r.reltuples < 0 ? null : r.reltuples);
    }
    for (const c of await this.rows<PgColumnRow>(PG_COLUMNS)) {
      out.field(c.schema, c.table, { name: c.name, type: c.type, nullable: c.nullable, default: c.default, comment: c.comment, position: Number(c.position) });
    }
    for (const k of await this.rows<PgConstraintRow>(PG_CONSTRAINTS)) {
      if (k.type === 'p') out.primaryKey(k.schema, k.table, k.columns);
      else if (k.type === 'u') out.unique(k.schema, k.table, k.columns);
      else out.foreignKey(k.schema, k.table, { name: k.name, columns: k.columns, refDataset: `${k.ref_schema}.${k.ref_table}`, refColumns: k.ref_columns });
    }
    for (const i of await this.rows<PgIndexRow>(PG_INDEXES)) {
      out.index(i.schema, i.table, { name: i.name, columns: i.columns, unique: i.unique, primary: i.primary, method: i.method });
    }
    for (const p of await this.rows<PgPartitionRow>(PG_PARTITIONS)) {
      const child = `${p.child_schema}.${p.child}`;
      out.partition(p.schema, p.table, child);
      const parent = out.get(p.schema, p.table);
      if (parent) parent.rowEstimate = (parent.rowEstimate ?? 0) + (partitionRows.get(child) ?? 0);
    }
    return out.datasets();
  }

  async sample(dataset: DatasetInfo, rows: number): Promise<DatasetSample> {
    const fields = dataset.fields.map((f) => f.name);
    if (fields.length === 0) return { fields, values: [] };
    const cols = fields.map((f) => `left(${quotePg(f)}::text, ${this.limits.maxValueLength})`).join(', ');
    const table = `${quotePg(dataset.schema)}.${quotePg(dataset.name)}`;
    const estimate = dataset.rowEstimate ?? 0;
    // TABLESAMPLE reads a fraction of pages instead of the whole table; small tables are read whole.
    const sampling = dataset.kind === 'table' || dataset.kind === 'materialized_view' ? estimate > rows * 10 : false;
    const percent = Math.min(100, (rows * 3 * 100) / Math.max(estimate, 1));
    const sql = `SELECT ${cols} FROM ${table}${sampling ? ` TABLESAMPLE SYSTEM (${percent.toFixed(4)})` : ''} LIMIT ${rows}`;
    const result = await this.arrays(sql);
    return { fields, values: fields.map((_, i) => result.map((row) => row[i] ?? null)) };
  }

  private async arrays(sql: string, params: unknown[] = []): Promise<(string | null)[][]> {
    try {
      return (await this.pool.query<(string | null)[]>({ text: sql, values: params, rowMode: 'array', types: TEXT_TYPES })).rows;
    } catch (err) {
      // A SQLSTATE means the server answered for this statement alone; the connection is fine.
      const answered = typeof (err as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code);
      throw new DiscoveryError(answered ? 'SLUICE_DISCOVERY_SAMPLE' : 'SLUICE_DISCOVERY_QUERY', `discovery sample failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async countPresent(dataset: DatasetInfo, column: string, values: readonly string[]): Promise<number> {
    const field = dataset.fields.find((f) => f.name === column);
    if (!field || values.length === 0) return 0;
    // Comparing in the column's own type keeps its index usable; the type text comes from format_type().
    const sql = `SELECT count(DISTINCT ${quotePg(column)}) FROM ${quotePg(dataset.schema)}.${quotePg(dataset.name)} WHERE ${quotePg(column)} = ANY($1::text[]::${field.type}[])`;
    const [row] = await this.arrays(sql, [values]);
    return Number(row?.[0] ?? 0);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
