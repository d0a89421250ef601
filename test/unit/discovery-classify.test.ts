import t from 'tap';
import fc from 'fast-check';
import { CHECKS, birthDate, esDni, iban, luhn, nlBsn, usSsn } from '../../src/discovery/classify/checks.js';
import { classifyColumn, compileRules, snakeName } from '../../src/discovery/classify/classifier.js';
import { BUILTIN_RULES, glossaryRule } from '../../src/discovery/classify/rules.js';

const rules = compileRules(BUILTIN_RULES);
const types = (name: string, values: (string | null)[]) => classifyColumn(name, values, rules).map((c) => c.type);

/** Appends the Luhn check digit to a digit string. */
function withLuhn(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhn(body + d)) return body + d;
  throw new Error('unreachable');
}

t.test('checks accept known-good values and refuse near misses', async (t) => {
  t.ok(luhn('4111 1111 1111 1111'));
  t.notOk(luhn('4111 1111 1111 1112'));
  t.ok(iban('GB82 WEST 1234 5698 7654 32'));
  t.notOk(iban('GB82 WEST 1234 5698 7654 33'));
  t.ok(usSsn('078-05-1120'));
  t.notOk(usSsn('666-12-3456'));
  t.notOk(usSsn('123-00-4567'));
  t.ok(nlBsn('111222333'));
  t.notOk(nlBsn('111222334'));
  t.ok(esDni('12345678Z'));
  t.ok(esDni('X1234567L'));
  t.notOk(esDni('12345678A'));
  t.ok(birthDate('1984-02-29'));
  t.notOk(birthDate('1985-02-29'), 'no such day');
  t.notOk(birthDate('2999-01-01'), 'not born yet');
  t.ok(CHECKS.ipv4('10.1.2.3/32'), 'inet text with a prefix length');
  t.notOk(CHECKS.ipv4('999.1.1.1'));
  t.ok(CHECKS.phone('+44 20 7946 0001'));
  t.ok(CHECKS.phone('(555) 123-4567'));
  t.ok(CHECKS.phone('0612345678'));
  t.notOk(CHECKS.phone('5551234567'), 'a bare run of digits is an id until its name says otherwise');
  t.notOk(CHECKS.phone('142857142.86'));
});

t.test('property: checks never throw, and Luhn catches every single-digit error', async () => {
  fc.assert(fc.property(fc.string(), (s) => {
    for (const check of Object.values(CHECKS)) check(s);
    return true;
  }));
  fc.assert(fc.property(fc.stringMatching(/^[1-9]\d{14}$/), fc.nat(15), fc.integer({ min: 1, max: 9 }), (body, pos, delta) => {
    const card = withLuhn(body);
    const digit = (Number(card[pos]) + delta) % 10;
    const mutated = card.slice(0, pos) + digit + card.slice(pos + 1);
    return luhn(card) && !luhn(mutated);
  }));
});

t.test('property: classification never throws and confidences stay in (0, 1]', async () => {
  fc.assert(fc.property(fc.string(), fc.array(fc.option(fc.string()), { maxLength: 30 }), (name, values) =>
    classifyColumn(name, values, rules).every((c) => c.confidence > 0 && c.confidence <= 1)));
});

t.test('names: snake_case of any spelling, and a name alone is enough for a guess', async (t) => {
  t.equal(snakeName('customerEmail'), 'customer_email');
  t.equal(snakeName('Customer-Email '), 'customer_email');
  t.ok(types('customerEmail', []).includes('email'));
  t.ok(types('DateOfBirth', []).includes('date_of_birth'));
  t.ok(types('api_key', []).includes('secret'));
  t.strictSame(types('email_count', ['1', '2', '3', '4', '5']), [], 'a name that merely mentions a type is not enough');
});

t.test('values that plainly are something else weaken the name', async (t) => {
  const emailNamed = classifyColumn('email', ['1', '2', '3', '4', '5', '6'], rules);
  t.notOk(emailNamed.some((c) => c.type === 'email' && c.confidence >= 0.5));
  const bareDigits = ['5551234567', '5559876543', '5550001111', '5552223333', '5554445555'];
  t.match(classifyColumn('phone', bareDigits, rules), [{ type: 'phone', evidence: ['name'] }], 'phones stored as bare digits keep their name');
});

t.test('glossary terms map by synonyms and patterns, and are not sensitive', async (t) => {
  const g = compileRules([glossaryRule({ term: 'sku', synonyms: ['product code'], patterns: ['SKU-\\d{4}'] })]);
  t.match(classifyColumn('product_code', [], g), [{ type: 'glossary:sku', sensitive: false }]);
  t.match(classifyColumn('ref', ['SKU-0001', 'SKU-0002', 'SKU-0003', 'SKU-0004', 'SKU-0005'], g), [{ type: 'glossary:sku', evidence: ['values'] }]);
});

// A labelled corpus: columns of generated values under neutral names, so only values decide.
function corpus(): { label: string | null; values: string[] }[] {
  const rng = fc.sample(fc.nat({ max: 999_999_999 }), { numRuns: 4000, seed: 42 });
  let i = 0;
  const n = () => rng[i++ % rng.length]!;
  const pad = (x: number, w: number) => String(x).padStart(w, '0');
  const gen: Record<string, () => string> = {
    email: () => `user${n()}@mail${n() % 50}.example.com`,
    credit_card: () => withLuhn(`4${pad(n(), 9)}${pad(n() % 100000, 5)}`),
    iban: () => {
      const bban = `WEST${pad(n() % 1000000, 6)}${pad(n() % 100000000, 8)}`;
      for (let c = 2; c < 99; c++) if (iban(`GB${pad(c, 2)}${bban}`)) return `GB${pad(c, 2)}${bban}`;
      throw new Error('unreachable');
    },
    us_ssn: () => `${pad(100 + (n() % 565), 3)}-${pad(1 + (n() % 98), 2)}-${pad(1 + (n() % 9998), 4)}`,
    ipv4: () => `${n() % 256}.${n() % 256}.${n() % 256}.${n() % 256}`,
    ipv6: () => `2001:db8:${(n() % 65536).toString(16)}::${(n() % 65536).toString(16)}`,
    es_dni: () => {
      const num = pad(n() % 100000000, 8);
      return num + 'TRWAGMYFPDXBNJZSQVHLCKE'[Number(num) % 23];
    },
    uk_nino: () => `${['AB', 'CE', 'JG', 'PR', 'WL'][n() % 5]} ${pad(n() % 100, 2)} ${pad(n() % 100, 2)} ${pad(n() % 100, 2)} ${'ABCD'[n() % 4]}`,
    nl_bsn: () => {
      for (;;) {
        const candidate = pad(n() % 1_000_000_000, 9);
        if (nlBsn(candidate)) return candidate;
      }
    },
    phone: () => `+${1 + (n() % 98)} ${pad(n() % 1000, 3)} ${pad(n() % 10000, 4)} ${pad(n() % 1000, 3)}`,
    secret: () => `AKIA${pad(n(), 9).replace(/\d/g, (d) => 'ABCDEFGHIJ'[Number(d)]!)}${pad(n() % 10000000, 7)}`,
  };
  const negatives: (() => string)[] = [
    () => String(n()), () => `order-${n()}`, () => `2026-0${1 + (n() % 9)}-1${n() % 9} 12:3${n() % 9}:00`,
    () => ['red', 'green', 'blue', 'amber'][n() % 4]!, () => (n() / 7).toFixed(2), () => `v${n() % 10}.${n() % 10}.${n() % 10}`,
  ];
  const columns: { label: string | null; values: string[] }[] = [];
  for (const [label, make] of Object.entries(gen)) for (let c = 0; c < 20; c++) columns.push({ label, values: Array.from({ length: 50 }, make) });
  for (const make of negatives) for (let c = 0; c < 20; c++) columns.push({ label: null, values: Array.from({ length: 50 }, make) });
  return columns;
}

t.test('labelled corpus: precision and recall ≥ 0.95 for checksum and strict-pattern types', async (t) => {
  const stats = new Map<string, { tp: number; fp: number; fn: number }>();
  const get = (k: string) => stats.get(k) ?? stats.set(k, { tp: 0, fp: 0, fn: 0 }).get(k)!;
  for (const column of corpus()) {
    const predicted = new Set(types('col', column.values));
    if (column.label !== null) {
      if (predicted.has(column.label)) get(column.label).tp++;
      else get(column.label).fn++;
    }
    for (const p of predicted) if (p !== column.label) get(p).fp++;
  }
  for (const label of ['email', 'credit_card', 'iban', 'us_ssn', 'ipv4', 'ipv6', 'es_dni', 'uk_nino', 'nl_bsn', 'phone', 'secret']) {
    const s = get(label);
    const precision = s.tp / Math.max(1, s.tp + s.fp);
    const recall = s.tp / Math.max(1, s.tp + s.fn);
    t.comment(`${label}: precision ${precision.toFixed(2)} recall ${recall.toFixed(2)}`);
    t.ok(precision >= 0.95 && recall >= 0.95, `${label} precision ${precision} recall ${recall}`);
  }
  for (const [type, s] of stats) if (s.tp === 0 && s.fp > 0) t.fail(`${type} predicted on ${s.fp} columns of other types`);
});
