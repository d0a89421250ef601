/**
 * Builds DatasetInfo records from flat catalog rows (one query per aspect), the shape both
 * SQL connectors read their catalogs in. Rows naming a dataset that was not listed are dropped:
 * a table created between two catalog queries is picked up by the next run.
 */
import { datasetId, type DatasetInfo, type DatasetKind, type FieldInfo, type ForeignKeyInfo, type IndexInfo } from '../types.js';

export class DatasetAssembler {
  private readonly byId = new Map<string, DatasetInfo>();

  add(schema: string, name: string, kind: DatasetKind, comment: string | null, rowEstimate: number | null): void {
    this.byId.set(datasetId({ schema, name }), {
      schema, name, kind, comment: comment || null, rowEstimate,
      fields: [], primaryKey: [], uniqueKeys: [], foreignKeys: [], indexes: [], partitions: [],
    });
  }

  get(schema: string, name: string): DatasetInfo | undefined {
    return this.byId.get(datasetId({ schema, name }));
  }

  field(schema: string, table: string, field: FieldInfo): void {
    this.get(schema, table)?.fields.push(field);
  }

  primaryKey(schema: string, table: string, columns: string[]): void {
    const d = this.get(schema, table);
    if (d) d.primaryKey = columns;
  }

  unique(schema: string, table: string, columns: string[]): void {
    this.get(schema, table)?.uniqueKeys.push(columns);
  }

  foreignKey(schema: string, table: string, fk: ForeignKeyInfo): void {
    this.get(schema, table)?.foreignKeys.push(fk);
  }

  index(schema: string, table: string, index: IndexInfo): void {
    this.get(schema, table)?.indexes.push(index);
  }

  partition(schema: string, table: string, child: string): void {
    this.get(schema, table)?.partitions.push(child);
  }

  datasets(): DatasetInfo[] {
    return [...this.byId.values()];
  }
}

/** Identifier quoting for sampling statements; names come from the catalog, never from users. */
export function quotePg(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteMysql(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
