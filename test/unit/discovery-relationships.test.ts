// inferCandidates looks parents up in name indexes instead of comparing every column with every
// table; on random schemas it must find exactly what the pairwise comparison finds, in the same order.
import t from 'tap';
import fc from 'fast-check';
import { snakeName } from '../../src/discovery/classify/classifier.js';
import { inferCandidates, typeFamily } from '../../src/discovery/relationships.js';
import type { DatasetInfo, FieldInfo } from '../../src/discovery/types.js';

/** The pairwise definition: a column names a keyed table (customer_id → customers) or equals its distinctive key's name. */
function pairwise(datasets: readonly DatasetInfo[]): string[] {
  const tables = datasets.filter((d) => d.kind !== 'key_pattern' && d.kind !== 'view');
  const keyOf = (d: DatasetInfo): FieldInfo | undefined => {
    const key = d.primaryKey.length === 1 ? d.primaryKey : d.uniqueKeys.find((u) => u.length === 1);
    return key ? d.fields.find((f) => f.name === key[0]) : undefined;
  };
  const out: string[] = [];
  for (const child of tables) {
    const declared = new Set(child.foreignKeys.flatMap((fk) => fk.columns));
    for (const f of child.fields) {
      if (declared.has(f.name) || f.name === keyOf(child)?.name) continue;
      const column = snakeName(f.name);
      const base = /^(.+?)_?id$/.exec(column)?.[1]?.replace(/_$/, '');
      const names = base === undefined ? [] : [base, `${base}s`, `${base}es`, ...base.endsWith('y') ? [`${base.slice(0, -1)}ies`] : []];
      for (const p of tables) {
        const key = keyOf(p);
        if (p === child || key === undefined) continue;
        const byBase = names.includes(snakeName(p.name));
        const bySameName = snakeName(key.name) !== 'id' && snakeName(key.name) === column;
        if ((byBase || bySameName) && typeFamily(f.type) === typeFamily(key.type)) out.push(`${child.name}.${f.name}->${p.name}.${key.name}`);
      }
    }
  }
  return out;
}

const NAMES = ['customer', 'customers', 'category', 'categories', 'Order', 'orders', 'box', 'boxes', 'sku', 'item'];
const COLUMNS = ['id', 'ID', 'customer_id', 'customerId', 'category_id', 'order_id', 'box_id', 'sku_code', 'item_ref', 'name'];
const TYPES = ['integer', 'bigint', 'text', 'uuid', 'numeric(10,2)'];

const dataset = fc.record({
  name: fc.constantFrom(...NAMES),
  kind: fc.constantFrom('table' as const, 'table' as const, 'view' as const),
  fields: fc.uniqueArray(fc.record({ name: fc.constantFrom(...COLUMNS), type: fc.constantFrom(...TYPES) }), { minLength: 1, maxLength: 4, selector: (f) => f.name }),
  key: fc.nat({ max: 4 }),
  unique: fc.boolean(),
}).map(({ name, kind, fields, key, unique }): DatasetInfo => {
  const keyName = fields[key % fields.length]!.name;
  return {
    schema: 'app', name, kind, comment: null, rowEstimate: null,
    fields: fields.map((f, i) => ({ name: f.name, type: f.type, nullable: true, default: null, comment: null, position: i + 1 })),
    primaryKey: unique || key === 4 ? [] : [keyName], uniqueKeys: unique ? [[keyName]] : [], foreignKeys: [], indexes: [], partitions: [],
  };
});

t.test('property: the indexed search finds what the pairwise comparison finds', async (t) => {
  let found = 0;
  fc.assert(fc.property(fc.array(dataset, { maxLength: 8 }), (datasets) => {
    const indexed = inferCandidates(datasets).map((c) => `${c.child.name}.${c.column}->${c.parent.name}.${c.parentColumn}`);
    found += indexed.length;
    return JSON.stringify(indexed) === JSON.stringify(pairwise(datasets));
  }), { numRuns: 500 });
  t.ok(found > 100, `the schemas had candidates to find (${found})`);
});
