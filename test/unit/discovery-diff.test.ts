import t from 'tap';
import fc from 'fast-check';
import { diffCatalog } from '../../src/discovery/catalog/diff.js';
import { fingerprint } from '../../src/discovery/catalog/fingerprint.js';
import type { DatasetInfo, FieldInfo } from '../../src/discovery/types.js';

const field = (name: string, type = 'integer', position = 1): FieldInfo => ({ name, type, nullable: true, default: null, comment: null, position });
const table = (name: string, fields: FieldInfo[], extra: Partial<DatasetInfo> = {}): DatasetInfo => ({
  schema: 'public', name, kind: 'table', comment: null, rowEstimate: 10, fields,
  primaryKey: [], uniqueKeys: [], foreignKeys: [], indexes: [], partitions: [], ...extra,
});

t.test('fingerprints ignore drifting figures and see structure', async (t) => {
  const a = table('t', [field('id')]);
  t.equal(fingerprint(a), fingerprint({ ...a, rowEstimate: 99_999 }), 'row estimates drift without a change');
  t.not(fingerprint(a), fingerprint({ ...a, primaryKey: ['id'] }));
  t.not(fingerprint(a), fingerprint(table('t', [field('id', 'bigint')])));
});

t.test('diff: added, removed and changed datasets and fields with before and after', async (t) => {
  const before = [table('a', [field('id'), field('name', 'text', 2)]), table('gone', [field('id')]), table('same', [field('id')])];
  const after = [
    table('a', [field('id', 'bigint'), field('email', 'text', 3)], { primaryKey: ['id'] }),
    table('new', [field('id')]),
    table('same', [field('id')], { rowEstimate: 5000 }),
  ];
  const d = diffCatalog(before, after);
  t.strictSame([...d.changed].sort(), ['public.a', 'public.new']);
  const kinds = d.changes.map((c) => `${c.kind} ${c.dataset}${c.field ? `.${c.field}` : ''}`).sort();
  t.strictSame(kinds, [
    'dataset_added public.new', 'dataset_changed public.a', 'dataset_removed public.gone',
    'field_added public.a.email', 'field_changed public.a.id', 'field_removed public.a.name',
  ]);
  t.match(d.changes.find((c) => c.kind === 'field_changed'), { before: { type: 'integer' }, after: { type: 'bigint' } });
  t.match(d.changes.find((c) => c.kind === 'dataset_changed'), { before: { primaryKey: [] }, after: { primaryKey: ['id'] } });
});

const arbTable = fc.record({
  name: fc.constantFrom('a', 'b', 'c', 'd'),
  fields: fc.uniqueArray(fc.record({ name: fc.constantFrom('id', 'x', 'y', 'z'), type: fc.constantFrom('int', 'text') }), { selector: (f) => f.name, maxLength: 4 }),
}).map(({ name, fields }) => table(name, fields.map((f, i) => field(f.name, f.type, i + 1))));
const arbCatalog = fc.uniqueArray(arbTable, { selector: (d) => d.name, maxLength: 4 });

t.test('property: a catalog diffed with itself is empty; every dataset change is reported once', async () => {
  fc.assert(fc.property(arbCatalog, arbCatalog, (x, y) => {
    if (diffCatalog(x, x).changes.length !== 0) return false;
    const d = diffCatalog(x, y);
    const names = (c: DatasetInfo[]) => new Set(c.map((t) => `public.${t.name}`));
    const added = d.changes.filter((c) => c.kind === 'dataset_added').map((c) => c.dataset);
    const removed = d.changes.filter((c) => c.kind === 'dataset_removed').map((c) => c.dataset);
    return added.every((a) => !names(x).has(a) && names(y).has(a)) && removed.every((r) => names(x).has(r) && !names(y).has(r))
      && added.length + removed.length === [...names(x)].filter((n) => !names(y).has(n)).length + [...names(y)].filter((n) => !names(x).has(n)).length;
  }));
});
