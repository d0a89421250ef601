import t from 'tap';
import fc from 'fast-check';
import { Int32, Long, ObjectId } from 'bson';
import { bsonTypeOf } from '../../src/discovery/connectors/bson-types.js';
import { DocSchema, jsonTypeOf, valueText } from '../../src/discovery/connectors/doc-schema.js';

t.test('nested paths, type frequencies, mixed and optional fields', async (t) => {
  const s = new DocSchema(jsonTypeOf, valueText, 8);
  s.add({ a: 1, b: { c: 'x' }, tags: ['p', 2] });
  s.add({ a: 'one', b: { c: null }, tags: [] });
  s.add({ a: 2.5, d: 'a-very-long-value' });
  const byName = new Map(s.fields().map((f) => [f.name, f]));
  t.strictSame([...byName.keys()], ['a', 'b', 'b.c', 'tags', 'tags[]', 'd']);
  t.match(byName.get('a'), { type: 'mixed(integer|number|string)', nullable: false, typeFrequencies: { integer: 1, number: 1, string: 1 } });
  t.match(byName.get('b.c'), { type: 'string', nullable: true, typeFrequencies: { string: 1, null: 1, missing: 1 } });
  t.match(byName.get('tags[]'), { type: 'mixed(integer|string)', typeFrequencies: { integer: 1, string: 1, missing: 2 } });
  const sample = s.sample(10);
  t.strictSame(sample.fields, ['a', 'b.c', 'tags[]', 'd'], 'containers have no value to sample');
  t.strictSame(sample.values[3], [null, null, 'a-very-l'], 'values are cut to the limit');
});

t.test('BSON values get MongoDB type names', async (t) => {
  t.equal(bsonTypeOf(new ObjectId()), 'objectId');
  t.equal(bsonTypeOf(new Int32(3)), 'int');
  t.equal(bsonTypeOf(Long.fromNumber(3)), 'long');
  t.equal(bsonTypeOf(new Date(0)), 'date');
  t.equal(bsonTypeOf(true), 'bool');
  t.equal(bsonTypeOf({ x: 1 }), 'object');
  const id = new ObjectId();
  t.equal(valueText(id), id.toHexString());
  t.equal(valueText(Long.fromNumber(7)), '7');
});

const json = fc.jsonValue({ maxDepth: 12 });

t.test('property: any documents walk without throwing; frequencies and presence add up', async () => {
  fc.assert(fc.property(fc.array(fc.dictionary(fc.string({ maxLength: 4 }), json), { maxLength: 20 }), (docs) => {
    const s = new DocSchema(jsonTypeOf, valueText, 16);
    for (const d of docs) s.add(d);
    return s.fields().every((f) => {
      const freq = f.typeFrequencies ?? {};
      const missing = freq['missing'] ?? 0;
      // Each document has the path or not; one that has it counts at least one type there.
      const typed = Object.entries(freq).filter(([k]) => k !== 'missing').reduce((n, [, c]) => n + c, 0);
      return missing < docs.length && typed >= docs.length - missing && f.nullable === (missing > 0 || 'null' in freq);
    });
  }));
});
