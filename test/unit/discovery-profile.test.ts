import t from 'tap';
import fc from 'fast-check';
import { estimateDistinct, isNumericType, profileColumn } from '../../src/discovery/profile/profiler.js';
import { distribution } from '../../src/discovery/connectors/distribution.js';
import { inferCandidates, inferredRelationship, typeFamily } from '../../src/discovery/relationships.js';
import type { DatasetInfo, FieldInfo } from '../../src/discovery/types.js';

t.test('numeric and text profiles', async (t) => {
  const p = profileColumn(['3', '1', null, '2', '2'], 'integer', null);
  t.match(p, { sampled: 5, nullRatio: 0.2, min: 1, max: 3, mean: 2, topValues: [{ value: '2', count: 2 }], length: { min: 1, max: 1 } });
  const s = profileColumn(['pear', 'apple', 'fig'], 'text', 3);
  t.match(s, { min: 'apple', max: 'pear', mean: null, distinctEstimate: 3, length: { min: 3, max: 5 } });
  t.match(profileColumn([], 'text', null), { sampled: 0, nullRatio: 0, min: null, length: null });
  t.ok(isNumericType('numeric(10,2)') && isNumericType('int unsigned') && !isNumericType('interval') && !isNumericType('point'));
});

t.test('property: profiles stay within their bounds', async () => {
  fc.assert(fc.property(fc.array(fc.option(fc.string({ maxLength: 20 }))), fc.option(fc.nat()), (values, rows) => {
    const p = profileColumn(values, 'text', rows);
    const present = values.filter((v) => v !== null).length;
    return p.nullRatio >= 0 && p.nullRatio <= 1 && p.topValues.length <= 5 && p.distinctEstimate >= (present > 0 ? 1 : 0)
      && p.topValues.every((v) => v.count >= 1);
  }));
});

t.test('distinct estimate: a sample of all-different values scales up, repeats do not', async (t) => {
  t.equal(estimateDistinct([1, 1, 1, 1], 4, 400), 40);
  t.equal(estimateDistinct([50, 50], 100, 1_000_000), 2);
  t.equal(estimateDistinct([], 0, 10), 0);
});

t.test('distributions', async (t) => {
  t.equal(distribution([]), null);
  t.match(distribution([5, 1, 3, 2, 4]), { min: 1, p50: 3, max: 5, mean: 3 });
});

const f = (name: string, type: string): FieldInfo => ({ name, type, nullable: false, default: null, comment: null, position: 1 });
const d = (name: string, fields: FieldInfo[], pk: string[], extra: Partial<DatasetInfo> = {}): DatasetInfo => ({
  schema: 'app', name, kind: 'table', comment: null, rowEstimate: null, fields, primaryKey: pk, uniqueKeys: [], foreignKeys: [], indexes: [], partitions: [], ...extra,
});

t.test('relationship candidates from names and types', async (t) => {
  const customers = d('customers', [f('id', 'integer')], ['id']);
  const categories = d('category', [f('id', 'bigint')], ['id']);
  const sku = d('products', [f('sku_code', 'text')], ['sku_code']);
  const orders = d('orders', [f('id', 'integer'), f('customer_id', 'int'), f('categoryId', 'bigint'), f('sku_code', 'varchar(20)'), f('status_id', 'integer')], ['id']);
  const declared = d('refunds', [f('id', 'integer'), f('customer_id', 'integer')], ['id'], { foreignKeys: [{ name: 'fk', columns: ['customer_id'], refDataset: 'app.customers', refColumns: ['id'] }] });
  const found = inferCandidates([customers, categories, sku, orders, declared]).map((c) => `${c.child.name}.${c.column}->${c.parent.name}.${c.parentColumn}`).sort();
  t.strictSame(found, ['orders.categoryId->category.id', 'orders.customer_id->customers.id', 'orders.sku_code->products.sku_code']);
  t.equal(typeFamily('character varying(20)'), 'text');
  const c = inferCandidates([customers, orders])[0]!;
  t.match(inferredRelationship(c, 1, 40), { declared: false, confidence: 1 });
  t.ok(inferredRelationship(c, 0.3, 40).confidence < 0.5, 'values mostly missing from the parent sink the guess');
  t.equal(inferredRelationship(c, null, 0).confidence, 0.5);
});

t.test('upper-case Snowflake names: ID is no distinctive key, NUMBER(p,s) is numeric', async (t) => {
  const customers = d('CUSTOMERS', [f('ID', 'NUMBER(38,0)')], ['ID']);
  const reviews = d('REVIEWS', [f('ID', 'NUMBER(38,0)'), f('CUSTOMER_ID', 'NUMBER(38,0)')], []);
  t.strictSame(inferCandidates([customers, reviews]).map((c) => `${c.child.name}.${c.column}->${c.parent.name}.${c.parentColumn}`), ['REVIEWS.CUSTOMER_ID->CUSTOMERS.ID']);
  t.equal(typeFamily('NUMBER(10,2)'), 'numeric');
  t.ok(isNumericType('NUMBER(38,0)'));
  t.match(profileColumn(['9.50', '10.25', null], 'NUMBER(10,2)', null), { min: 9.5, max: 10.25 });
});
