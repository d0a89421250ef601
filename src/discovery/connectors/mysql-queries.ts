/**
 * Catalog queries for MySQL and MariaDB, from information_schema (the one catalog both
 * share). `?` is the list of schemas discovered: the source's database, or every user schema.
 * Column aliases are quoted so the row keys are the same on both servers, whatever their case.
 */
export const MYSQL_SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

export const MYSQL_SCHEMAS = `SELECT SCHEMA_NAME AS \`schema\` FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (?) ORDER BY 1`;

export const MYSQL_TABLES = `
SELECT TABLE_SCHEMA AS \`schema\`, TABLE_NAME AS name, TABLE_TYPE AS type, TABLE_COMMENT AS comment, TABLE_ROWS AS \`rows\`
FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?) ORDER BY 1, 2`;

export const MYSQL_COLUMNS = `
SELECT TABLE_SCHEMA AS \`schema\`, TABLE_NAME AS \`table\`, COLUMN_NAME AS name, COLUMN_TYPE AS type,
       IS_NULLABLE AS nullable, COLUMN_DEFAULT AS \`default\`, COLUMN_COMMENT AS comment, ORDINAL_POSITION AS position
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (?) ORDER BY 1, 2, ORDINAL_POSITION`;

export const MYSQL_KEYS = `
SELECT k.TABLE_SCHEMA AS \`schema\`, k.TABLE_NAME AS \`table\`, k.CONSTRAINT_NAME AS name, c.CONSTRAINT_TYPE AS type,
       k.COLUMN_NAME AS \`column\`, k.REFERENCED_TABLE_SCHEMA AS ref_schema, k.REFERENCED_TABLE_NAME AS ref_table,
       k.REFERENCED_COLUMN_NAME AS ref_column
FROM information_schema.KEY_COLUMN_USAGE k
JOIN information_schema.TABLE_CONSTRAINTS c
  ON c.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME
WHERE k.TABLE_SCHEMA IN (?) AND c.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')
ORDER BY 1, 2, 3, k.ORDINAL_POSITION`;

export const MYSQL_INDEXES = `
SELECT TABLE_SCHEMA AS \`schema\`, TABLE_NAME AS \`table\`, INDEX_NAME AS name, NON_UNIQUE AS non_unique,
       INDEX_TYPE AS method, COLUMN_NAME AS \`column\`
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA IN (?) ORDER BY 1, 2, 3, SEQ_IN_INDEX`;

export const MYSQL_PARTITIONS = `
SELECT TABLE_SCHEMA AS \`schema\`, TABLE_NAME AS \`table\`, PARTITION_NAME AS name
FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA IN (?) AND PARTITION_NAME IS NOT NULL
ORDER BY 1, 2, PARTITION_ORDINAL_POSITION`;

export interface MysqlTableRow { schema: string; name: string; type: string; comment: string | null; rows: number | string | null }
export interface MysqlColumnRow { schema: string; table: string; name: string; type: string; nullable: string; default: string | null; comment: string | null; position: number }
export interface MysqlKeyRow { schema: string; table: string; name: string; type: string; column: string; ref_schema: string | null; ref_table: string | null; ref_column: string | null }
export interface MysqlIndexRow { schema: string; table: string; name: string; non_unique: number | string; method: string; column: string | null }
export interface MysqlPartitionRow { schema: string; table: string; name: string }
