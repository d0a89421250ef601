import t from 'tap';
import fc from 'fast-check';
import { parseCsv } from '../../src/discovery/connectors/csv.js';
import { SCALAR_TYPES, inferColumn, scalarTypeOf, widen } from '../../src/discovery/connectors/scalar-types.js';

t.test('RFC 4180 records, and a cut-off last record dropped', async (t) => {
  t.strictSame(parseCsv('a,b\r\n1,"x, ""y"""\n2,\n', false), [['a', 'b'], ['1', 'x, "y"'], ['2', '']]);
  t.strictSame(parseCsv('a,b\n1,"multi\nline"\n2,tru', false), [['a', 'b'], ['1', 'multi\nline']], 'a partial read loses its last record');
  t.strictSame(parseCsv('a,b\n1,2', true), [['a', 'b'], ['1', '2']], 'a whole object keeps a last record without newline');
  t.strictSame(parseCsv('\ufeffid\n1\n', true), [['id'], ['1']], 'a byte order mark is not part of the header');
  t.strictSame(parseCsv('a,"open', true), [], 'an unterminated quote is never a record');
});

t.test('column types: the narrowest type that holds every value', async (t) => {
  t.strictSame(inferColumn(['1', '2', '-3']), { type: 'integer', nullable: false });
  t.strictSame(inferColumn(['1', '2.5', '']), { type: 'number', nullable: true });
  t.strictSame(inferColumn(['2026-01-01', '2026-01-02T10:00:00Z']), { type: 'timestamp', nullable: false });
  t.strictSame(inferColumn(['true', 'FALSE']), { type: 'boolean', nullable: false });
  t.strictSame(inferColumn(['1', 'x']), { type: 'string', nullable: false });
  t.strictSame(inferColumn(['', '']), { type: 'unknown', nullable: true });
  t.equal(scalarTypeOf('2026-13-45'), 'string', 'a date must be a real date');
  t.equal(scalarTypeOf('12345678901234567890'), 'number', 'too long for an integer column of most engines');
});

const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', '1') });
const quote = (f: string) => `"${f.replace(/"/g, '""')}"`;

t.test('property: quoted records round-trip, whole or cut anywhere', async () => {
  fc.assert(fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { maxLength: 6 }), fc.nat(), (rows, cut) => {
    const text = rows.map((r) => `${r.map(quote).join(',')}\r\n`).join('');
    if (JSON.stringify(parseCsv(text, true)) !== JSON.stringify(rows)) return false;
    // Cut anywhere, what comes back is a prefix of the records (the cut one dropped).
    const partial = parseCsv(text.slice(0, cut % (text.length + 1)), false);
    return partial.every((r, i) => JSON.stringify(r) === JSON.stringify(rows[i]));
  }));
});

t.test('property: any text parses without throwing', async () => {
  fc.assert(fc.property(fc.string(), fc.boolean(), (text, complete) => Array.isArray(parseCsv(text, complete))));
});

t.test('property: widen is commutative and the column type holds each value', async () => {
  const type = fc.constantFrom(...SCALAR_TYPES);
  fc.assert(fc.property(type, type, (a, b) => widen(a, b) === widen(b, a) && widen(a, widen(a, b)) === widen(a, b)));
  fc.assert(fc.property(fc.array(fc.oneof(fc.integer().map(String), fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), fc.constantFrom('', 'true', '2026-02-03', 'x')), { minLength: 1 }), (values) => {
    const { type: col } = inferColumn(values);
    return values.every((v) => v === '' || col === 'unknown' || widen(col as typeof SCALAR_TYPES[number], scalarTypeOf(v)) === col);
  }));
});
