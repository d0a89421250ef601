import t from 'tap';
import fc from 'fast-check';
import { columnType, datasetKind, groupKeys, quoteSnowflake, showKeysQuery, tablesQuery } from '../../src/discovery/connectors/snowflake-queries.js';

const col = (DATA_TYPE: string, len: string | null, precision: string | null, scale: string | null) => ({ DATA_TYPE, CHARACTER_MAXIMUM_LENGTH: len, NUMERIC_PRECISION: precision, NUMERIC_SCALE: scale });

t.test('column types as Snowflake DDL writes them', async (t) => {
  t.equal(columnType(col('NUMBER', null, '38', '0')), 'NUMBER(38,0)');
  t.equal(columnType(col('NUMBER', null, '10', '2')), 'NUMBER(10,2)');
  t.equal(columnType(col('TEXT', '16777216', null, null)), 'TEXT(16777216)');
  t.equal(columnType(col('BINARY', '8', null, null)), 'BINARY(8)');
  t.equal(columnType(col('TIMESTAMP_NTZ', null, null, null)), 'TIMESTAMP_NTZ');
  t.equal(columnType(col('FLOAT', null, null, null)), 'FLOAT');
  t.equal(datasetKind('BASE TABLE'), 'table');
  t.equal(datasetKind('VIEW'), 'view');
  t.equal(datasetKind('MATERIALIZED VIEW'), 'materialized_view');
  t.equal(datasetKind('EXTERNAL TABLE'), 'foreign_table');
  t.equal(datasetKind('EVENT TABLE'), 'table');
});

t.test('identifiers are quoted, never spliced raw', async (t) => {
  t.equal(quoteSnowflake('we"ird'), '"we""ird"');
  t.equal(showKeysQuery('IMPORTED', 'a"b'), 'SHOW IMPORTED KEYS IN DATABASE "a""b"');
  t.match(tablesQuery('SHOP'), /FROM "SHOP"\.INFORMATION_SCHEMA\.TABLES/);
});

t.test('property: SHOW rows in any order group back into keys in key_sequence order', async () => {
  const keyArb = fc.uniqueArray(fc.record({ table: fc.constantFrom('A', 'B'), name: fc.string({ minLength: 1, maxLength: 4 }), columns: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }) }), { selector: (k) => `${k.table}/${k.name}`, maxLength: 6 });
  fc.assert(fc.property(keyArb, fc.infiniteStream(fc.nat()), (keys, seeds) => {
    const rows = keys.flatMap((k) => k.columns.map((c, i) => ({ schema_name: 'S', table_name: k.table, constraint_name: k.name, column_name: c, key_sequence: String(i + 1) })));
    const shuffled = rows.map((r) => [seeds.next().value, r] as const).sort((a, b) => a[0] - b[0]).map(([, r]) => r);
    const grouped = groupKeys(shuffled, (r) => ({ schema: r.schema_name, table: r.table_name, name: r.constraint_name }));
    const got = new Map(grouped.map((g) => [`${g.table}/${g.name}`, g.rows.map((r) => r.column_name)]));
    return got.size === keys.length && keys.every((k) => JSON.stringify(got.get(`${k.table}/${k.name}`)) === JSON.stringify(k.columns));
  }));
});
