/**
 * A console answer as columns and rows, and its encoding: RowDescription, DataRows and
 * CommandComplete, with PgBouncer's column types (text, int4, numeric for 64-bit totals).
 */
import { type ColumnSpec, commandComplete, dataRow, rowDescription } from '../../../wire/postgres/backend-messages.js';

export type ColumnType = 'text' | 'int4' | 'numeric';
export type Cell = string | number | null;

const OIDS: Record<ColumnType, number> = { text: 25, int4: 23, numeric: 1700 };

export interface ResultSet {
  columns: readonly (readonly [string, ColumnType])[];
  rows: Cell[][];
}

/** Columns from `name:type` pairs written compactly, e.g. cols('database', 'cl_active:int4'). */
export function cols(...specs: string[]): [string, ColumnType][] {
  return specs.map((s) => {
    const [name, type] = s.split(':') as [string, ColumnType | undefined];
    return [name, type ?? 'text'];
  });
}

function cell(v: Cell): string | null {
  if (v === null) return null;
  return typeof v === 'number' ? String(Math.trunc(v)) : v;
}

export function encodeResult(rs: ResultSet, tag = 'SHOW'): Buffer {
  const spec: ColumnSpec[] = rs.columns.map(([name, type]) => ({ name, typeOid: OIDS[type] }));
  return Buffer.concat([rowDescription(spec), ...rs.rows.map((r) => dataRow(r.map(cell))), commandComplete(tag)]);
}

/** PgBouncer's time format in SHOW CLIENTS/SERVERS: "2026-01-31 12:00:00 UTC". */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
