import fc from 'fast-check';
import t from 'tap';
import { ReadWriteClassifier, type RouteClass } from '../../src/router/read-write.js';
import { SqlLexer, Tok } from '../../src/router/sql-lexer.js';

// The lexical path alone; the parser's answers to unsure texts are tested in router-tree-route.test.ts.
const classifier = new ReadWriteClassifier({ parseUnsure: false });
const route = (sql: string): RouteClass => classifier.classify(sql).route;

t.test('statements and their class', async (t) => {
  const cases: [string, RouteClass, string][] = [
    ['SELECT 1', 'read', 'select'],
    ['select * from users where id = $1', 'read', 'select'],
    ['SELECT count(*), max(x) FROM t GROUP BY y HAVING sum(z) > 1', 'read', 'select'],
    ['select x::numeric(10,2), cast(y as varchar(3)), z::timestamp(3) from t', 'read', 'select'],
    ['select a from t1 join lateral (select 1) s on true where b in (1,2) and exists (select 1)', 'read', 'select'],
    ['select * from t t1(a, b)', 'unsure', 'unknown-function'],
    ['select * from t as t1(a, b)', 'read', 'select'],
    ['SELECT pg_catalog.now(), coalesce(a, b), greatest(1, 2) FROM t', 'read', 'select'],
    ['select row_number() over (partition by a order by b) from t', 'read', 'select'],
    ['select percentile_cont(0.5) within group (order by x) filter (where y) from t', 'read', 'select'],
    ['select substring(s from 1 for 3), trim(both from s), position(\'a\' in s) from t', 'read', 'select'],
    ['VALUES (1), (2)', 'read', 'select'],
    ['TABLE users', 'read', 'select'],
    ['(SELECT 1) UNION ALL (SELECT 2)', 'read', 'select'],
    ['WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r', 'read', 'select'],
    ['with a as materialized (select 1), b (x) as not materialized (select 2) select * from a, b', 'read', 'select'],
    ['SHOW search_path', 'read', 'show'],
    ['BEGIN READ ONLY', 'read', 'begin-read-only'],
    ['begin transaction isolation level repeatable read, read only', 'read', 'begin-read-only'],
    ['START TRANSACTION READ ONLY, DEFERRABLE', 'read', 'begin-read-only'],
    ['BEGIN ISOLATION LEVEL READ COMMITTED', 'write', 'open-transaction'],
    ['BEGIN READ WRITE', 'write', 'begin-read-write'],
    ['BEGIN', 'write', 'open-transaction'],
    ['START', 'write', 'statement'],
    ['BEGIN; SELECT 1; COMMIT', 'read', 'select'],
    ['BEGIN; SELECT 1', 'write', 'open-transaction'],
    ['BEGIN READ ONLY; SELECT 1; COMMIT AND CHAIN; SELECT 2', 'read', 'begin-read-only'],
    ['BEGIN; SELECT 1; COMMIT AND CHAIN', 'write', 'open-transaction'],
    ['BEGIN READ ONLY; INSERT INTO t VALUES (1); COMMIT', 'read', 'begin-read-only'],
    ['BEGIN READ ONLY; SELECT 1; COMMIT; DELETE FROM t', 'write', 'statement'],
    ['BEGIN; SELECT 1; ROLLBACK TO SAVEPOINT a', 'write', 'statement'],
    ['COMMIT PREPARED \'x\'', 'write', 'statement'],
    ['COMMIT', 'read', 'transaction-control'],
    ['select 1; delete from t', 'write', 'statement'],
    ['select 1;;', 'read', 'select'],
    ['SELECT * FROM t WHERE id = 1 FOR UPDATE', 'write', 'locking-clause'],
    ['select * from t for no key update skip locked', 'write', 'locking-clause'],
    ['select * from t for share of t nowait', 'write', 'locking-clause'],
    ['select * from t for key share', 'write', 'locking-clause'],
    ['select * into t2 from t', 'write', 'select-into'],
    ["select nextval('s')", 'write', 'sequence-function'],
    ["select currval('s')", 'write', 'sequence-function'],
    ["select pg_catalog.setval('s', 1)", 'write', 'sequence-function'],
    ['select "nextval"(\'s\')', 'write', 'sequence-function'],
    ['select pg_advisory_lock(1)', 'write', 'advisory-lock'],
    ['select pg_try_advisory_xact_lock(1)', 'write', 'advisory-lock'],
    ['select lo_import(\'/x\')', 'write', 'large-object'],
    ["select set_config('a.b', 'c', false)", 'write', 'set-config'],
    ["select pg_notify('c', 'x')", 'write', 'writing-function'],
    ['with x as (insert into t values (1) returning *) select * from x', 'write', 'data-modifying'],
    ['WITH d AS (DELETE FROM t RETURNING id) SELECT count(*) FROM d', 'write', 'data-modifying'],
    ['with u as (update t set a = 1 returning *) select 1', 'write', 'data-modifying'],
    ['with m as (select 1) merge into t using m on true when matched then do nothing', 'write', 'data-modifying'],
    ['with c as (select 1) insert into t select * from c', 'write', 'data-modifying'],
    ['select my_func(1)', 'unsure', 'unknown-function'],
    ['select app.count(1), pg_catalog.count(2)', 'unsure', 'unknown-function'],
    ['select "app".lower(x) from t', 'unsure', 'unknown-function'],
    ['select "Count"(1) from t', 'unsure', 'unknown-function'],
    ['select my_func(1) for update', 'write', 'locking-clause'],
    ['INSERT INTO t VALUES (1)', 'write', 'statement'],
    ['update t set a = 1', 'write', 'statement'],
    ['EXPLAIN SELECT 1', 'write', 'statement'],
    ['SET search_path = app', 'write', 'statement'],
    ['', 'write', 'empty'],
    ['  -- nothing\n /* at all */ ', 'write', 'empty'],
    ["select 'unterminated", 'unsure', 'unterminated'],
    ['select 1 /* unterminated', 'unsure', 'unterminated'],
    ['begin read only; select $$ open', 'unsure', 'unterminated'],
    ['/* sluice:replica */ INSERT INTO t VALUES (1)', 'read', 'override'],
    ['-- sluice:primary\nSELECT 1', 'write', 'override'],
    ['/* app=x */ /*  sluice:replica  */ select nextval(\'s\')', 'read', 'override'],
    ['SELECT 1 /* sluice:replica */', 'read', 'select'],
    ['SELECT /* sluice:primary */ 1', 'read', 'select'],
    ['/* sluice:replica, please */ select nextval(\'s\')', 'write', 'sequence-function'],
  ];
  for (const [sql, expected, reason] of cases) t.same(classifier.classify(sql), { route: expected, reason }, sql);
});

t.test('keywords hidden in literals, identifiers and comments', async (t) => {
  const reads = [
    "select 'for update; delete from t' from t",
    "select E'it\\'s for update' from t",
    "select e'\\\\' , 'insert'",
    "select 'a''for update''b'",
    'select $$ delete from t; select nextval(1) $$',
    'select $fn$ $$ for update $$ $fn$',
    'select "for update", "nextval" from t',
    'select "a""b(" from t',
    "select U&'d\\0061t\\+000061 for update', U&\"insert\" from t",
    "select B'1010', X'ff' from t",
    'select 1 -- for update\n',
    'select 1 -- for update\rfrom t',
    'select 1 /* outer /* nested for update */ still comment */ from t',
    'select a$b, a$1 from t',
    'select $1, $2::int from t',
    "select N'insert'",
  ];
  for (const sql of reads) t.equal(route(sql), 'read', sql);
  t.equal(route('select 1 /* /* */ for update'), 'unsure', 'nested: the comment never closed');
  t.equal(route('select $a$ x $b$'), 'unsure', 'dollar quote with an unmatched tag');
  t.equal(route('select 1 $ 2'), 'read', 'a lone $ is an operator character');
});

t.test('options: more read-only functions, or unknown ones treated as reads', async (t) => {
  const c = new ReadWriteClassifier({ readOnlyFunctions: ['my_func', 'Mixed'], parseUnsure: false });
  t.equal(c.classify('select my_func(1)').route, 'read');
  t.equal(c.classify('select "Mixed"(1)').route, 'read');
  t.equal(c.classify('select other(1)').route, 'unsure');
  const lax = new ReadWriteClassifier({ unknownFunctions: 'read', parseUnsure: false });
  t.equal(lax.classify('select other(1)').route, 'read');
  t.equal(lax.classify("select nextval('s')").route, 'write', 'writing functions stay writes');
});

t.test('lexer tokens', async (t) => {
  const lx = new SqlLexer();
  lx.reset("Select \"Q\"\"x\"(1.5e-3, $1, 'a') :: int;");
  const seen: string[] = [];
  for (let tok = lx.next(); tok !== Tok.End; tok = lx.next()) {
    if (tok === Tok.Word) seen.push(`w:${lx.word()}`);
    else if (tok === Tok.QuotedIdent) seen.push(`q:${lx.quotedName()}`);
    else seen.push(String(tok));
  }
  t.same(seen, ['w:select', 'q:Q"x', String(Tok.LParen), String(Tok.Number), String(Tok.Comma), String(Tok.Param),
    String(Tok.Comma), String(Tok.String), String(Tok.RParen), String(Tok.Cast), 'w:int', String(Tok.Semicolon)]);
});

/** Words that would change the class if the lexer let them out of their literal or comment. */
const dangerous = fc.constantFrom(
  'for update', 'FOR SHARE', 'insert into t', 'delete', 'nextval(', 'pg_advisory_lock(1)', 'my_func(', ';', 'begin',
  'commit', 'sluice:primary', 'sluice:replica', "'", "''", '"', '""', '$$', '$q$', '/*', '*/', '--', '\\', '\n', '\r',
  ' ', 'x', 'é', '(', ')', 'E\'', 'U&', 'into',
);
const content = fc.array(dangerous, { maxLength: 12 }).map((parts) => parts.join(''));

function strip(s: string, bad: string[]): string {
  let out = s;
  while (bad.some((b) => out.includes(b))) for (const b of bad) out = out.split(b).join('');
  return out;
}

/** Wrap arbitrary text so PostgreSQL would read it as one literal, identifier or comment. */
const hidden = fc.tuple(content, fc.constantFrom('std', 'escape', 'dollar', 'ident', 'block', 'line')).map(([text, kind]) => {
  switch (kind) {
    case 'std': return `'${text.replaceAll("'", "''")}'`;
    case 'escape': return `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
    case 'dollar': return `$q$${strip(text, ['$q$'])}$q$`;
    case 'ident': return `"${text.replaceAll('"', '""')}"`;
    case 'block': return `/*${strip(text, ['/*', '*/'])}*/ 1`;
    default: return `-- ${strip(text, ['\n', '\r'])}\n 1`;
  }
});

const templates = [
  'SELECT a, {} FROM t',
  'select * from t where x = {} for update',
  'WITH c AS (SELECT {} AS v) SELECT * FROM c',
  'INSERT INTO t VALUES ({})',
  'select count(*), {} from t',
  'BEGIN READ ONLY; SELECT {}',
  'select my_func({})',
  'select 1 where {} = $1; select 2',
];

t.test('property: what a literal or comment holds never changes the class', async (t) => {
  fc.assert(fc.property(fc.constantFrom(...templates), hidden, (template, literal) => {
    const baseline = classifier.classify(template.replace('{}', "'x'"));
    const got = classifier.classify(template.replace('{}', () => literal));
    return got.route === baseline.route && got.reason === baseline.reason;
  }), { numRuns: 2_000 });
  t.pass('held');
});

t.test('property: a leading comment other than the two hints never changes the class', async (t) => {
  fc.assert(fc.property(fc.constantFrom(...templates), content, (template, text) => {
    const body = strip(text, ['/*', '*/']);
    fc.pre(body.trim() !== 'sluice:primary' && body.trim() !== 'sluice:replica');
    const sql = template.replace('{}', "'x'");
    return route(`/*${body}*/ ${sql}`) === route(sql);
  }), { numRuns: 1_000 });
  t.pass('held');
});

t.test('property: every input gives one of the three classes and never throws', async (t) => {
  const sqlish = fc.array(fc.oneof(dangerous, fc.string({ maxLength: 4 }), fc.constantFrom('select', 'with', 'show', 'BEGIN READ ONLY', 'as', '::')), { maxLength: 30 })
    .map((parts) => parts.join(' '));
  fc.assert(fc.property(fc.oneof(sqlish, fc.string({ unit: 'binary', maxLength: 200 })), (sql) => {
    const r = classifier.classify(sql);
    return r.route === 'read' || r.route === 'write' || r.route === 'unsure';
  }), { numRuns: 3_000 });
  t.pass('held');
});

t.test('property: a read SELECT with a locking clause appended is a write', async (t) => {
  fc.assert(fc.property(hidden, fc.constantFrom('UPDATE', 'SHARE', 'NO KEY UPDATE', 'KEY SHARE'), (literal, lock) =>
    route(`select a, ${literal} from t for ${lock}`) === 'write'));
  t.pass('held');
});
