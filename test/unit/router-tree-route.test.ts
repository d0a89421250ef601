import fc from 'fast-check';
import t from 'tap';
import { FunctionVolatility } from '../../src/router/function-volatility.js';
import { ReadWriteClassifier, type RouteClass } from '../../src/router/read-write.js';
import { loadSqlParser, MAX_PARSED_CHARS, parseStatements, sqlParserReady } from '../../src/router/sql-parser.js';

const volatility = new FunctionVolatility();
volatility.replace([
  { schema: 'app', name: 'price_with_tax', nonVolatile: true },
  { schema: 'billing', name: 'invoice_total', nonVolatile: true },
  { schema: 'app', name: 'Mixed Case', nonVolatile: true },
  { schema: 'app', name: 'bump_counter', nonVolatile: false },
  // Non-volatile in one schema, volatile in another: unqualified, search_path decides, so it stays unsure.
  { schema: 'app', name: 'lookup', nonVolatile: true },
  { schema: 'audit', name: 'lookup', nonVolatile: false },
], 0);
const classifier = new ReadWriteClassifier({ volatility });

t.before(async () => {
  t.equal(await loadSqlParser(), true, 'libpg-query loads');
});

t.test('before loading, parseStatements answers null rather than waiting', async (t) => {
  // Loading already finished in before(); what is checked here is the ready flag's meaning.
  t.equal(sqlParserReady(), true);
  t.not(parseStatements('select 1'), null);
  t.equal(parseStatements('select'.padEnd(MAX_PARSED_CHARS + 1, ' ')), null, 'too long to parse on the event loop');
  t.equal(parseStatements('selec 1'), null, 'a syntax error');
});

t.test('unsure texts decided on the parse tree', async (t) => {
  const cases: [string, RouteClass, string][] = [
    ['SELECT price_with_tax(total) FROM orders', 'read', 'select'],
    ['SELECT app.price_with_tax(total) FROM orders', 'read', 'select'],
    ['SELECT billing.invoice_total(id) FROM invoices WHERE customer_id = $1', 'read', 'select'],
    ['select app."Mixed Case"(1)', 'read', 'select'],
    ['select "Mixed Case"(1)', 'read', 'select'],
    ['select app.mixed_case(1)', 'unsure', 'unknown-function'],
    ['SELECT bump_counter(1)', 'unsure', 'unknown-function'],
    ['SELECT app.bump_counter(1)', 'unsure', 'unknown-function'],
    ['SELECT lookup(1)', 'unsure', 'unknown-function'],
    ['SELECT app.lookup(1)', 'read', 'select'],
    ['SELECT audit.lookup(1)', 'unsure', 'unknown-function'],
    ['SELECT billing.price_with_tax(1)', 'unsure', 'unknown-function'],
    ['SELECT price_with_tax(nextval(\'s\'))', 'write', 'sequence-function'],
    ['SELECT price_with_tax(x) FROM t FOR UPDATE', 'write', 'locking-clause'],
    ['SELECT price_with_tax(x) FROM t WHERE id IN (SELECT id FROM u FOR SHARE)', 'write', 'locking-clause'],
    ['SELECT price_with_tax(x) INTO t2 FROM t', 'write', 'select-into'],
    ['WITH w AS (UPDATE t SET a = 1 RETURNING a) SELECT price_with_tax(a) FROM w', 'write', 'data-modifying'],
    ['SELECT price_with_tax(x), pg_catalog.pg_advisory_lock(1) FROM t', 'write', 'advisory-lock'],
    ['SELECT * FROM generate_series(1, 3) g, LATERAL app.price_with_tax(g) p', 'read', 'select'],
    ['SELECT coalesce(price_with_tax(x), 0)::numeric(10,2) FROM t', 'read', 'select'],
    ['SELECT unknown_fn(1)', 'unsure', 'unknown-function'],
    ['SELECT pg_catalog.unknown_fn(1)', 'unsure', 'unknown-function'],
    ['SELECT other.count(1)', 'unsure', 'unknown-function'],
    // The lexer takes the alias's column list for a call; the tree knows there is none.
    ['select * from t t1(a, b)', 'read', 'select'],
    ['BEGIN READ ONLY; SELECT bump_counter(1); COMMIT', 'read', 'begin-read-only'],
    ['BEGIN; SELECT price_with_tax(1); COMMIT', 'read', 'select'],
    ['BEGIN; SELECT price_with_tax(1)', 'write', 'open-transaction'],
    ['SELECT price_with_tax(1); DELETE FROM t', 'write', 'statement'],
    ['SELECT price_with_tax(1); SHOW search_path', 'read', 'select'],
    ['BEGIN READ WRITE; SELECT price_with_tax(1)', 'write', 'begin-read-write'],
    ['BEGIN READ ONLY; SELECT unknown_fn(1); COMMIT AND CHAIN; SELECT 2', 'read', 'begin-read-only'],
    // The lexer's answer stands when the text does not parse: the server will report the error.
    ['SELECT price_with_tax(1 FROM t', 'unsure', 'unknown-function'],
    ["select 'unterminated", 'unsure', 'unterminated'],
  ];
  for (const [sql, route, reason] of cases) t.same(classifier.classify(sql), { route, reason }, sql);
});

t.test('texts the lexer settles never reach the parser', async (t) => {
  t.same(classifier.classify('SELECT 1'), { route: 'read', reason: 'select' });
  t.same(classifier.classify('/* sluice:replica */ SELECT bump_counter(1)'), { route: 'read', reason: 'override' });
  t.same(classifier.classify('/* sluice:primary */ SELECT price_with_tax(1)'), { route: 'write', reason: 'override' });
});

t.test('without volatility, user functions stay unsure; the options still hold', async (t) => {
  const plain = new ReadWriteClassifier();
  t.equal(plain.classify('SELECT price_with_tax(1)').route, 'unsure');
  t.equal(new ReadWriteClassifier({ readOnlyFunctions: ['price_with_tax'] }).classify('SELECT price_with_tax(1) FROM t t1(a)').route, 'read');
  t.equal(new ReadWriteClassifier({ unknownFunctions: 'read' }).classify('SELECT x.y(1) FROM t t1(a)').route, 'read');
});

t.test('volatility: a name is cleared only when every overload is non-volatile', async (t) => {
  const v = new FunctionVolatility();
  t.equal(v.loadedAt, null);
  v.replace([{ schema: 'a', name: 'f', nonVolatile: true }, { schema: 'a', name: 'f', nonVolatile: false }, { schema: 'b', name: 'g', nonVolatile: true }], 42);
  t.equal(v.loadedAt, 42);
  t.equal(v.nonVolatile('a', 'f'), false);
  t.equal(v.nonVolatile(null, 'f'), false);
  t.equal(v.nonVolatile('b', 'g'), true);
  t.equal(v.nonVolatile(null, 'g'), true);
  t.equal(v.nonVolatile('a', 'g'), false);
  v.replace([], 43);
  t.equal(v.nonVolatile('b', 'g'), false, 'a refresh replaces the whole set');
});

const pieces = fc.constantFrom(
  'select', 'SELECT', 'with', 'as', '(', ')', ',', ';', 'from t', 'for update', 'for share', 'into t2', 'insert into t values (1)',
  'price_with_tax(', 'bump_counter(', 'app.', 'lookup(', 'nextval(', "'x'", '"q"', '$1', '::int', 'begin read only', 'commit',
  'and chain', 'show x', '/*', '*/', '--', '\n', 'union', 'lateral', 'returning *', 'update t set a = 1', 'where', '=',
);
const sqlish = fc.array(pieces, { maxLength: 40 }).map((p) => p.join(' '));
const valid = [
  'SELECT app.price_with_tax(total) FROM orders WHERE id = $1',
  'WITH r AS (SELECT * FROM orders) SELECT lookup(r.id) FROM r',
  'BEGIN READ ONLY; SELECT bump_counter(1); COMMIT',
];
/** A valid query with a span cut out, a span repeated, or random text spliced in. */
const mutated = fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.nat(), fc.constantFrom('cut', 'repeat', 'splice'), fc.string({ maxLength: 8 }))
  .map(([sql, a, b, how, extra]) => {
    const i = a % (sql.length + 1);
    const j = i + (b % (sql.length + 1 - i));
    if (how === 'cut') return sql.slice(0, i) + sql.slice(j);
    if (how === 'repeat') return sql.slice(0, j) + sql.slice(i, j) + sql.slice(j);
    return sql.slice(0, i) + extra + sql.slice(j);
  });
const ROUTES: ReadonlySet<string> = new Set(['read', 'write', 'unsure']);

t.test('property: random and mutated SQL never throws and gives one of the three routes', async (t) => {
  fc.assert(fc.property(fc.oneof(sqlish, mutated, fc.string({ unit: 'binary', maxLength: 200 })), (sql) => ROUTES.has(classifier.classify(sql).route)), { numRuns: 3_000 });
  t.pass('held');
});

t.test('property: the overrides still win over whatever follows', async (t) => {
  fc.assert(fc.property(fc.oneof(sqlish, mutated), fc.constantFrom('primary', 'replica'), (sql, hint) => {
    const r = classifier.classify(`/* sluice:${hint} */ ${sql}`);
    return r.reason === 'override' && r.route === (hint === 'primary' ? 'write' : 'read');
  }), { numRuns: 1_000 });
  t.pass('held');
});

t.test('property: the tree never calls a write what the lexer called a read, nor clears a lexical write', async (t) => {
  const lexical = new ReadWriteClassifier({ volatility, parseUnsure: false });
  fc.assert(fc.property(fc.oneof(sqlish, mutated), (sql) => {
    const before = lexical.classify(sql).route;
    const after = classifier.classify(sql).route;
    return before === 'unsure' || before === after;
  }), { numRuns: 2_000 });
  t.pass('held');
});

t.test('deep nesting and long texts are refused, not crashed on', async (t) => {
  const deep = `select price_with_tax(${'('.repeat(50_000)}1${')'.repeat(50_000)})`;
  t.equal(classifier.classify(deep).route, 'unsure');
  const nested = `select ${'price_with_tax('.repeat(500)}1${')'.repeat(500)}`;
  t.equal(classifier.classify(nested).route, 'read', 'nested calls within the size limit are walked without recursion');
});
