/**
 * Catalog queries for PostgreSQL, read from pg_catalog rather than information_schema: it
 * is faster on large schemas and the only place partitions, reltuples and access methods live.
 * Arrays are cast to text[] so the driver hands back plain string arrays.
 */
const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

export const PG_RELATIONS = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, c.relispartition AS is_partition,
       obj_description(c.oid, 'pg_class') AS comment, c.reltuples::float8 AS reltuples
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND ${USER_SCHEMAS}
ORDER BY 1, 2`;

export const PG_COLUMNS = `
SELECT n.nspname AS schema, c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default, col_description(c.oid, a.attnum) AS comment,
       a.attnum AS position
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v', 'm', 'p', 'f') AND ${USER_SCHEMAS}
ORDER BY 1, 2, a.attnum`;

export const PG_CONSTRAINTS = `
SELECT n.nspname AS schema, c.relname AS table, con.conname AS name, con.contype AS type,
       array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord)::text[] AS columns,
       rn.nspname AS ref_schema, rc.relname AS ref_table,
       array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord)::text[] AS ref_columns
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype IN ('p', 'u', 'f') AND ${USER_SCHEMAS}
ORDER BY 1, 2, 3`;

export const PG_INDEXES = `
SELECT n.nspname AS schema, c.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary,
       am.amname AS method,
       array(SELECT pg_get_indexdef(ix.indexrelid, k + 1, true) FROM generate_series(0, ix.indnkeyatts - 1) k ORDER BY k)::text[] AS columns
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class c ON c.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = i.relam
WHERE ${USER_SCHEMAS}
ORDER BY 1, 2, 3`;

export const PG_PARTITIONS = `
SELECT pn.nspname AS schema, p.relname AS table, cn.nspname AS child_schema, ch.relname AS child
FROM pg_inherits inh
JOIN pg_class p ON p.oid = inh.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
JOIN pg_class ch ON ch.oid = inh.inhrelid JOIN pg_namespace cn ON cn.oid = ch.relnamespace
WHERE p.relkind = 'p'
ORDER BY 1, 2, 3, 4`;

export interface PgRelationRow { schema: string; name: string; kind: string; is_partition: boolean; comment: string | null; reltuples: number }
export interface PgColumnRow { schema: string; table: string; name: string; type: string; nullable: boolean; default: string | null; comment: string | null; position: number }
export interface PgConstraintRow { schema: string; table: string; name: string; type: 'p' | 'u' | 'f'; columns: string[]; ref_schema: string | null; ref_table: string | null; ref_columns: string[] }
export interface PgIndexRow { schema: string; table: string; name: string; unique: boolean; primary: boolean; method: string; columns: string[] }
export interface PgPartitionRow { schema: string; table: string; child_schema: string; child: string }
