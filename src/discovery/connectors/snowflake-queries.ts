/**
 * What the Snowflake connector asks: tables and columns from each database's
 * INFORMATION_SCHEMA, keys from SHOW (INFORMATION_SCHEMA has no key columns), and how their
 * rows become the catalog's shape. SHOW lists one row per key column; keys are put back
 * together by constraint name in key_sequence order.
 */
import type { DatasetKind } from '../types.js';
import { quotePg } from './assemble.js';

/** Snowflake quotes identifiers as ANSI SQL (and PostgreSQL) do. */
export const quoteSnowflake = quotePg;

/** The account's own shared database (ACCOUNT_USAGE views): never user data. */
export const SYSTEM_DATABASE = 'SNOWFLAKE';

export const SHOW_DATABASES = 'SHOW DATABASES';

export function tablesQuery(database: string): string {
  return `SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ROW_COUNT, COMMENT FROM ${quoteSnowflake(database)}.INFORMATION_SCHEMA.TABLES
WHERE TABLE_SCHEMA <> 'INFORMATION_SCHEMA' ORDER BY TABLE_SCHEMA, TABLE_NAME`;
}

export function columnsQuery(database: string): string {
  return `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE,
IS_NULLABLE, COLUMN_DEFAULT, COMMENT FROM ${quoteSnowflake(database)}.INFORMATION_SCHEMA.COLUMNS
WHERE TABLE_SCHEMA <> 'INFORMATION_SCHEMA' ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`;
}

export type KeyKind = 'PRIMARY' | 'UNIQUE' | 'IMPORTED';

export function showKeysQuery(kind: KeyKind, database: string): string {
  return `SHOW ${kind} KEYS IN DATABASE ${quoteSnowflake(database)}`;
}

/** Column values arrive as text (the session fetches every type as a string). */
export interface SfTableRow { TABLE_SCHEMA: string; TABLE_NAME: string; TABLE_TYPE: string; ROW_COUNT: string | null; COMMENT: string | null }
export interface SfColumnRow {
  TABLE_SCHEMA: string; TABLE_NAME: string; COLUMN_NAME: string; ORDINAL_POSITION: string; DATA_TYPE: string;
  CHARACTER_MAXIMUM_LENGTH: string | null; NUMERIC_PRECISION: string | null; NUMERIC_SCALE: string | null;
  IS_NULLABLE: string; COLUMN_DEFAULT: string | null; COMMENT: string | null;
}
export interface SfKeyRow { schema_name: string; table_name: string; column_name: string; key_sequence: string; constraint_name: string }
export interface SfImportedKeyRow {
  pk_database_name: string; pk_schema_name: string; pk_table_name: string; pk_column_name: string;
  fk_schema_name: string; fk_table_name: string; fk_column_name: string; key_sequence: string; fk_name: string;
}
export interface SfDatabaseRow { name: string }

const KINDS: Readonly<Record<string, DatasetKind>> = { 'BASE TABLE': 'table', VIEW: 'view', 'MATERIALIZED VIEW': 'materialized_view', 'EXTERNAL TABLE': 'foreign_table' };

export function datasetKind(tableType: string): DatasetKind {
  return KINDS[tableType] ?? 'table';
}

/** The type as Snowflake DDL writes it: `TEXT(64)`, `NUMBER(38,0)`, `TIMESTAMP_NTZ`. */
export function columnType(c: Pick<SfColumnRow, 'DATA_TYPE' | 'CHARACTER_MAXIMUM_LENGTH' | 'NUMERIC_PRECISION' | 'NUMERIC_SCALE'>): string {
  if (c.DATA_TYPE === 'NUMBER' && c.NUMERIC_PRECISION !== null) return `NUMBER(${c.NUMERIC_PRECISION},${c.NUMERIC_SCALE ?? 0})`;
  if ((c.DATA_TYPE === 'TEXT' || c.DATA_TYPE === 'BINARY') && c.CHARACTER_MAXIMUM_LENGTH !== null) return `${c.DATA_TYPE}(${c.CHARACTER_MAXIMUM_LENGTH})`;
  return c.DATA_TYPE;
}

export interface GroupedKey<R> { schema: string; table: string; name: string; rows: R[] }

/** One entry per (table, constraint), its rows in key_sequence order. */
export function groupKeys<R extends { key_sequence: string }>(rows: readonly R[], at: (r: R) => { schema: string; table: string; name: string }): GroupedKey<R>[] {
  const groups = new Map<string, GroupedKey<R>>();
  for (const r of rows) {
    const { schema, table, name } = at(r);
    const id = JSON.stringify([schema, table, name]);
    const group = groups.get(id) ?? { schema, table, name, rows: [] };
    group.rows.push(r);
    groups.set(id, group);
  }
  for (const g of groups.values()) g.rows.sort((a, b) => Number(a.key_sequence) - Number(b.key_sequence));
  return [...groups.values()];
}
