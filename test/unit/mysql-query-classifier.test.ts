// Tests of the COM_QUERY classifier. Examples: each statement the multiplexer must notice, the
// look-alikes it must not (system variables, account names, BEGIN NOT ATOMIC, column names),
// executable comments, NO_BACKSLASH_ESCAPES, multi-statements, and the names SET and USE carry.
// Properties: text inside a string literal, a quoted identifier or a comment is never
// mistaken for SQL; the flags do not change when comments and whitespace are put between tokens
// or when keywords change case; arbitrary bytes never throw.
import fc from 'fast-check';
import t from 'tap';
import {
  QUERY_BEGIN, QUERY_CALC_FOUND_ROWS, QUERY_CREATE_TEMPORARY, QUERY_GET_LOCK, QUERY_LOCK_TABLES, QUERY_SET, QUERY_TEXT_PREPARE,
  QUERY_UNLOCK_TABLES, QUERY_USE, QUERY_USER_VARIABLE, type QueryDetails, classifyQuery,
} from '../../src/wire/mysql/query-classifier.js';

const classify = (sql: string, noBackslashEscapes = false): number => classifyQuery(Buffer.from(sql), 0, undefined, noBackslashEscapes);
function details(sql: string): QueryDetails & { flags: number } {
  const d: QueryDetails = { setVariables: [], schema: null };
  const flags = classifyQuery(Buffer.from(sql), 0, undefined, false, d);
  return { ...d, flags };
}

t.test('statements that pin or change the session', async (t) => {
  const cases: [string, number][] = [
    ['SELECT * FROM t WHERE id = 1', 0],
    ['LOCK TABLES t READ, u WRITE', QUERY_LOCK_TABLES],
    ['lock table t write', QUERY_LOCK_TABLES],
    ['LOCK INSTANCE FOR BACKUP', QUERY_LOCK_TABLES],
    ['FLUSH TABLES t WITH READ LOCK', QUERY_LOCK_TABLES],
    ['FLUSH TABLES', 0],
    ['UNLOCK TABLES', QUERY_UNLOCK_TABLES],
    ["SELECT GET_LOCK('job', 10)", QUERY_GET_LOCK],
    ["SELECT get_lock /* spaced */ ('job', 10)", QUERY_GET_LOCK],
    ['SELECT t.get_lock FROM t', 0],
    ['SELECT RELEASE_LOCK(1), IS_FREE_LOCK(1)', 0],
    ['SELECT @x := 1', QUERY_USER_VARIABLE],
    ["SELECT @`odd name`, @'q'", QUERY_USER_VARIABLE],
    ['SELECT @@session.sql_mode, @@version', 0],
    ["CREATE USER 'app'@'10.0.0.%' IDENTIFIED BY 'x'", 0],
    ['CREATE TEMPORARY TABLE tmp (a INT)', QUERY_CREATE_TEMPORARY],
    ['CREATE OR REPLACE TEMPORARY TABLE tmp AS SELECT 1', QUERY_CREATE_TEMPORARY],
    ['CREATE TABLE temporary_things (a INT)', 0],
    ['SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 10', QUERY_CALC_FOUND_ROWS],
    ["PREPARE s FROM 'SELECT ?'", QUERY_TEXT_PREPARE],
    ['EXECUTE s USING @a', QUERY_TEXT_PREPARE | QUERY_USER_VARIABLE],
    ['DEALLOCATE PREPARE s', QUERY_TEXT_PREPARE],
    ['DROP PREPARE s', QUERY_TEXT_PREPARE],
    ['DROP TABLE prepare', 0],
    ['USE shop', QUERY_USE],
    ['START TRANSACTION READ ONLY', QUERY_BEGIN],
    ['BEGIN', QUERY_BEGIN],
    ['begin work', QUERY_BEGIN],
    ['BEGIN NOT ATOMIC SELECT 1; END', 0],
    ['START SLAVE', 0],
    ['SET NAMES utf8mb4', QUERY_SET],
    ['SET @a = 1', QUERY_SET | QUERY_USER_VARIABLE],
    ['/*!40101 SET NAMES utf8 */', QUERY_SET],
    ['/*M!100100 LOCK TABLES t READ */', QUERY_LOCK_TABLES],
    ['/* LOCK TABLES t READ */ SELECT 1', 0],
    ['SELECT 1; LOCK TABLES t READ', QUERY_LOCK_TABLES],
    ['SELECT 1;BEGIN', QUERY_BEGIN],
    ['SELECT 1 -- LOCK TABLES\n, 2', 0],
    ['SELECT 1 --LOCK TABLES', 0],
    ['SELECT 1 # @x\n', 0],
    ['SELECT 1--1', 0],
  ];
  for (const [sql, want] of cases) t.equal(classify(sql), want, sql);
  t.equal(classify('SELECT@x'), QUERY_USER_VARIABLE, 'no space needed before a variable');
  const payload = Buffer.from('\x03@x', 'latin1');
  t.equal(classifyQuery(payload, 1, payload.length), QUERY_USER_VARIABLE, 'a range inside the COM_QUERY payload');
});

t.test('backslashes escape in strings unless NO_BACKSLASH_ESCAPES', async (t) => {
  const sql = "SELECT 'a\\', @x, '";
  t.equal(classify(sql), 0, "with escapes, \\' stays inside the string");
  t.equal(classify(sql, true), QUERY_USER_VARIABLE, 'without, the string ends at the quote');
  t.equal(classify("SELECT 'it''s @x'"), 0, 'doubled quotes stay inside');
  t.equal(classify('SELECT `a``@x`'), 0, 'doubled backticks stay inside');
  t.equal(classify('SELECT "a\\" @x"'), 0);
});

t.test('SET and USE name what they change', async (t) => {
  t.same(details("SET NAMES utf8mb4 COLLATE utf8mb4_bin, sql_mode = 'ANSI', @@session.time_zone = '+00:00', autocommit=0").setVariables,
    ['names', 'sql_mode', 'time_zone', 'autocommit']);
  t.same(details('SET CHARACTER SET utf8').setVariables, ['character set']);
  t.same(details('SET CHARSET latin1').setVariables, ['character set']);
  t.same(details('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED').setVariables, ['transaction']);
  t.same(details('SET TRANSACTION READ ONLY').setVariables, ['next transaction']);
  t.same(details('SET GLOBAL max_connections = 10, wait_timeout = 5').setVariables, [], 'the GLOBAL modifier holds for later assignments');
  t.same(details('SET GLOBAL max_connections = 10, SESSION wait_timeout = 5').setVariables, ['wait_timeout']);
  t.same(details('SET @@global.max_connections = 10, character_set_client = utf8').setVariables, ['character_set_client']);
  t.same(details('SET `sql_mode` = (SELECT CONCAT(@@sql_mode, \',x\')), time_zone = IF(1, \'a\', \'b\')').setVariables, ['sql_mode', 'time_zone']);
  t.same(details('SET STATEMENT max_statement_time = 1 FOR SELECT 1').setVariables, [], 'SET STATEMENT lasts one statement');
  t.same(details("SET PASSWORD = PASSWORD('x')").setVariables, []);
  t.same(details('SET ROLE app').setVariables, ['role']);
  const d = details('SET @a := 1, @@local.sql_mode = DEFAULT; USE `my``db`; SET time_zone = SYSTEM');
  t.same(d.setVariables, ['sql_mode', 'time_zone']);
  t.equal(d.schema, 'my`db');
  t.equal(d.flags, QUERY_SET | QUERY_USE | QUERY_USER_VARIABLE);
  t.equal(details('use shop').schema, 'shop');
});

const dangerous = [
  'LOCK TABLES t READ', 'UNLOCK TABLES', "GET_LOCK('a', 1)", 'GET_LOCK (', '@x', '@`y`', 'CREATE TEMPORARY TABLE x (a int)',
  'SQL_CALC_FOUND_ROWS', 'PREPARE s FROM', 'EXECUTE s', 'DEALLOCATE PREPARE s', 'SET NAMES x', 'USE db', 'BEGIN', 'START TRANSACTION',
  ';', "'", '"', '`', '\\', '/*', '*/', '--', '#', '\n', '/*!', '@',
];
const textArb = fc.array(fc.oneof(fc.constantFrom(...dangerous), fc.string({ maxLength: 6 })), { maxLength: 8 }).map((parts) => parts.join(' '));

/** `text` made inert: inside a literal, a quoted identifier or a comment of each kind. */
function hide(text: string, how: number): string {
  switch (how) {
    case 0: return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
    case 1: return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
    case 2: return `\`${text.replaceAll('`', '``')}\``;
    case 3: return `/*${text.replaceAll('*/', '* /').replace(/^!/, ' !').replace(/^M!/, 'M !')}*/`;
    case 4: return `-- ${text.replaceAll('\n', ' ')}\n`;
    default: return `#${text.replaceAll('\n', ' ')}\n`;
  }
}

t.test('text inside strings, quoted identifiers and comments is never mistaken for SQL', async (t) => {
  fc.assert(fc.property(fc.array(fc.tuple(textArb, fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 4 }), (pieces) => {
    const hidden = pieces.map(([text, how]) => hide(text, how));
    const sql = `SELECT ${hidden.join(' , ')} FROM t ${hide(pieces[0]![0], 4)}`;
    return classify(sql) === 0 && classify(`SELECT 1; ${sql}; SELECT 2`) === 0;
  }), { numRuns: 2000 });
  t.pass('2000 queries');
});

// Statements as tokens: separators may go between tokens, never inside one.
const statements: [string[], number][] = [
  [['LOCK', 'TABLES', 't', 'READ'], QUERY_LOCK_TABLES],
  [['UNLOCK', 'TABLES'], QUERY_UNLOCK_TABLES],
  [['SELECT', 'GET_LOCK', '(', "'a'", ',', '1', ')'], QUERY_GET_LOCK],
  [['SELECT', '@x', ',', '@@sql_mode'], QUERY_USER_VARIABLE],
  [['CREATE', 'OR', 'REPLACE', 'TEMPORARY', 'TABLE', 't', '(', 'a', 'INT', ')'], QUERY_CREATE_TEMPORARY],
  [['SELECT', 'SQL_CALC_FOUND_ROWS', '*', 'FROM', 't'], QUERY_CALC_FOUND_ROWS],
  [['PREPARE', 's', 'FROM', "'SELECT 1'"], QUERY_TEXT_PREPARE],
  [['SET', 'NAMES', 'utf8mb4'], QUERY_SET],
  [['USE', '`db`'], QUERY_USE],
  [['START', 'TRANSACTION'], QUERY_BEGIN],
  [['BEGIN'], QUERY_BEGIN],
  [['SELECT', 'a', 'FROM', 't', 'WHERE', 'b', '=', "'LOCK TABLES'"], 0],
  [['INSERT', 'INTO', 't', 'VALUES', '(', '1', ')'], 0],
];
const separatorArb = fc.constantFrom(' ', '\n', '\t', ' /* c */ ', '/**/', ' -- c @x\n', ' #LOCK TABLES\n', '  ');
const caseArb = fc.constantFrom('upper', 'lower', 'mixed');

function recase(token: string, how: string): string {
  if (/^['"`@]/.test(token)) return token;
  if (how === 'upper') return token.toUpperCase();
  if (how === 'lower') return token.toLowerCase();
  return [...token].map((c, i) => (i % 2 ? c.toLowerCase() : c.toUpperCase())).join('');
}

t.test('comments, whitespace and letter case between tokens change nothing', async (t) => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.constantFrom(...statements), fc.array(separatorArb, { minLength: 12, maxLength: 12 }), caseArb), { minLength: 1, maxLength: 3 }),
    (chosen) => {
      const want = chosen.reduce((f, [[, flags]]) => f | flags, 0);
      const sql = chosen.map(([[tokens], seps, how]) => tokens.map((tok, i) => recase(tok, how) + (i < tokens.length - 1 ? seps[i]! : '')).join('')).join(' ;\n');
      return classify(sql) === want;
    },
  ), { numRuns: 2000 });
  t.pass('2000 queries');
});

t.test('arbitrary bytes never throw, with or without details', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, escapes) => {
    classifyQuery(bytes, 0, bytes.length, escapes);
    classifyQuery(bytes, 0, bytes.length, escapes, { setVariables: [], schema: null });
    return true;
  }), { numRuns: 2000 });
  t.pass('2000 inputs');
});
