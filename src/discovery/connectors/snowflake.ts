/**
 * Snowflake connector: databases (the configured ones, or every one the role sees), their
 * schemas, tables, views and columns from INFORMATION_SCHEMA, and primary, unique and foreign
 * keys from SHOW ... KEYS. A dataset's schema is `DATABASE.SCHEMA`, so ids stay unique across
 * databases. Snowflake has no indexes and no partitions to report.
 */
import type { Connector, ConnectorLimits, DiscoveryTarget } from '../connector.js';
import { DiscoveryError } from '../errors.js';
import { datasetId, type DatasetInfo, type DatasetSample } from '../types.js';
import { DatasetAssembler } from './assemble.js';
import {
  SHOW_DATABASES, SYSTEM_DATABASE, columnType, columnsQuery, datasetKind, groupKeys, quoteSnowflake, showKeysQuery, tablesQuery,
  type SfColumnRow, type SfDatabaseRow, type SfImportedKeyRow, type SfKeyRow, type SfTableRow,
} from './snowflake-queries.js';
import { SnowflakeSession } from './snowflake-session.js';

export async function connectSnowflake(target: DiscoveryTarget, limits: ConnectorLimits): Promise<Connector> {
  return new SnowflakeConnector(await SnowflakeSession.open(target, limits), target.snowflake?.databases ?? [], limits);
}

class SnowflakeConnector implements Connector {
  readonly kind = 'snowflake' as const;
  /** Database and schema of each dataset id, as named in Snowflake (either may hold a dot). */
  private readonly places = new Map<string, [string, string]>();

  constructor(private readonly session: SnowflakeSession, private readonly databases: readonly string[], private readonly limits: ConnectorLimits) {}

  private async databaseNames(): Promise<string[]> {
    if (this.databases.length > 0) return [...this.databases];
    const rows = await this.session.rows<SfDatabaseRow>(SHOW_DATABASES);
    return rows.map((r) => r.name).filter((n) => n !== SYSTEM_DATABASE).sort();
  }

  async introspect(): Promise<DatasetInfo[]> {
    const out = new DatasetAssembler();
    for (const db of await this.databaseNames()) {
      const at = (schema: string) => `${db}.${schema}`;
      for (const t of await this.session.rows<SfTableRow>(tablesQuery(db))) {
        out.add(at(t.TABLE_SCHEMA), t.TABLE_NAME, datasetKind(t.TABLE_TYPE), t.COMMENT, t.ROW_COUNT === null ? null : Number(t.ROW_COUNT));
        this.places.set(datasetId({ schema: at(t.TABLE_SCHEMA), name: t.TABLE_NAME }), [db, t.TABLE_SCHEMA]);
      }
      for (const c of await this.session.rows<SfColumnRow>(columnsQuery(db))) {
        out.field(at(c.TABLE_SCHEMA), c.TABLE_NAME, {
          name: c.COLUMN_NAME, type: columnType(c), nullable: c.IS_NULLABLE === 'YES', default: c.COLUMN_DEFAULT, comment: c.COMMENT || null, position: Number(c.ORDINAL_POSITION),
        });
      }
      await this.limits.pace();
      await this.keys(db, out);
      await this.limits.pace();
    }
    return out.datasets();
  }

  private async keys(db: string, out: DatasetAssembler): Promise<void> {
    const byConstraint = (r: SfKeyRow) => ({ schema: `${db}.${r.schema_name}`, table: r.table_name, name: r.constraint_name });
    for (const k of groupKeys(await this.session.rows<SfKeyRow>(showKeysQuery('PRIMARY', db)), byConstraint)) {
      out.primaryKey(k.schema, k.table, k.rows.map((r) => r.column_name));
    }
    for (const k of groupKeys(await this.session.rows<SfKeyRow>(showKeysQuery('UNIQUE', db)), byConstraint)) {
      out.unique(k.schema, k.table, k.rows.map((r) => r.column_name));
    }
    const imported = await this.session.rows<SfImportedKeyRow>(showKeysQuery('IMPORTED', db));
    for (const k of groupKeys(imported, (r) => ({ schema: `${db}.${r.fk_schema_name}`, table: r.fk_table_name, name: r.fk_name }))) {
      const first = k.rows[0]!;
      out.foreignKey(k.schema, k.table, {
        name: k.name, columns: k.rows.map((r) => r.fk_column_name),
        refDataset: `${first.pk_database_name}.${first.pk_schema_name}.${first.pk_table_name}`, refColumns: k.rows.map((r) => r.pk_column_name),
      });
    }
  }

  private table(dataset: DatasetInfo): string {
    const place = this.places.get(datasetId(dataset));
    if (!place) throw new DiscoveryError('SLUICE_DISCOVERY_SAMPLE', `dataset ${datasetId(dataset)} was not listed in this run`);
    return [...place, dataset.name].map(quoteSnowflake).join('.');
  }

  async sample(dataset: DatasetInfo, rows: number): Promise<DatasetSample> {
    const fields = dataset.fields.map((f) => f.name);
    if (fields.length === 0) return { fields, values: [] };
    const cols = fields.map((f) => `LEFT(TO_VARCHAR(${quoteSnowflake(f)}), ${this.limits.maxValueLength})`).join(', ');
    const estimate = dataset.rowEstimate ?? 0;
    // Block sampling reads a fraction of micro-partitions instead of the whole table; small tables are read whole.
    const sampling = dataset.kind === 'table' && estimate > rows * 10;
    const percent = Math.min(100, (rows * 3 * 100) / Math.max(estimate, 1));
    const sql = `SELECT ${cols} FROM ${this.table(dataset)}${sampling ? ` SAMPLE SYSTEM (${percent.toFixed(4)})` : ''} LIMIT ${rows}`;
    const result = await this.session.arrays(sql);
    return { fields, values: fields.map((_, i) => result.map((row) => row[i] ?? null)) };
  }

  async countPresent(dataset: DatasetInfo, column: string, values: readonly string[]): Promise<number> {
    if (values.length === 0 || !dataset.fields.some((f) => f.name === column)) return 0;
    // Text binds compare in the column's own type (Snowflake casts them), which keeps pruning usable.
    const sql = `SELECT COUNT(DISTINCT ${quoteSnowflake(column)}) FROM ${this.table(dataset)} WHERE ${quoteSnowflake(column)} IN (${values.map(() => '?').join(', ')})`;
    const [row] = await this.session.arrays(sql, values);
    return Number(row?.[0] ?? 0);
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
