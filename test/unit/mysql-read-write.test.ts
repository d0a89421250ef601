import fc from 'fast-check';
import t from 'tap';
import { MysqlReadWriteClassifier } from '../../src/router/mysql-read-write.js';
import type { RouteClass } from '../../src/router/read-write.js';

const classifier = new MysqlReadWriteClassifier();
const classify = (sql: string, noBackslashEscapes = false): [RouteClass, string] => {
  const buf = Buffer.from(`\x03${sql}`);
  const r = classifier.classify(buf, 1, buf.length, noBackslashEscapes);
  return [r.route, r.reason];
};

t.test('statements and their class', async (t) => {
  const cases: [string, RouteClass, string][] = [
    ['SELECT 1', 'read', 'select'],
    ['select * from `order` where id = ?', 'read', 'select'],
    ['SELECT count(*), max(x), replace(a, "x", "y"), insert(s, 1, 2, "z") FROM t', 'read', 'select'],
    ['(SELECT 1) UNION (SELECT 2)', 'read', 'select'],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'read', 'select'],
    ['TABLE t', 'read', 'select'],
    ['VALUES ROW(1, 2)', 'read', 'select'],
    ['select @@read_only, @@session.sql_mode', 'read', 'select'],
    ['SHOW TABLES', 'read', 'show'],
    ['SHOW WARNINGS', 'write', 'session-show'],
    ['show count(*) errors', 'write', 'session-show'],
    ['DESCRIBE t', 'read', 'describe'],
    ['EXPLAIN SELECT * FROM t', 'read', 'describe'],
    ['EXPLAIN UPDATE t SET a = 1', 'write', 'data-modifying'],
    ['HELP \'select\'', 'read', 'show'],
    ['SELECT * FROM t FOR UPDATE', 'write', 'locking-clause'],
    ['SELECT * FROM t FOR SHARE', 'write', 'locking-clause'],
    ['SELECT * FROM t LOCK IN SHARE MODE', 'write', 'locking-clause'],
    ['SELECT a INTO @x FROM t', 'write', 'select-into'],
    ['SELECT a FROM t INTO OUTFILE "/tmp/x"', 'write', 'select-into'],
    ['SELECT @x := 1', 'write', 'user-variable'],
    ['SELECT @`x`', 'write', 'user-variable'],
    ['SELECT NEXT VALUE FOR s', 'write', 'sequence'],
    ['SELECT previous value for s', 'write', 'sequence'],
    ['SELECT NEXTVAL(s)', 'write', 'session-function'],
    ['SELECT GET_LOCK("a", 1)', 'write', 'session-function'],
    ['select release_lock ("a")', 'write', 'session-function'],
    ['SELECT LAST_INSERT_ID()', 'write', 'session-function'],
    ['SELECT FOUND_ROWS()', 'write', 'session-function'],
    ['SELECT app.f(1)', 'unsure', 'stored-function'],
    ['SELECT `app`.`t`.a FROM app.t', 'read', 'select'],
    ['WITH x AS (SELECT 1) UPDATE t SET a = 1', 'write', 'data-modifying'],
    ['INSERT INTO t VALUES (1)', 'write', 'statement'],
    ['UPDATE t SET a = 1', 'write', 'statement'],
    ['SET autocommit = 0', 'write', 'statement'],
    ['BEGIN', 'write', 'statement'],
    ['START TRANSACTION READ ONLY', 'write', 'statement'],
    ['USE app', 'write', 'statement'],
    ['CALL p()', 'write', 'statement'],
    ['DO RELEASE_LOCK("a")', 'write', 'statement'],
    ['SELECT 1; SELECT 2', 'read', 'select'],
    ['SELECT 1; DELETE FROM t', 'write', 'statement'],
    ['', 'write', 'empty'],
    ['/* sluice:replica */ UPDATE t SET a = 1', 'read', 'override'],
    ['/* sluice:primary */ SELECT 1', 'write', 'override'],
    ['-- sluice:replica\nINSERT INTO t VALUES (1)', 'read', 'override'],
    ['# sluice:primary\nSELECT 1', 'write', 'override'],
    ['SELECT 1 /* sluice:primary */', 'read', 'select'],
    ['/*!40001 SQL_NO_CACHE */ SELECT 1', 'write', 'statement'],
    ['SELECT /*!50000 1 FOR UPDATE */', 'write', 'locking-clause'],
    ['SELECT /*M!100500 1 */ FROM t', 'read', 'select'],
    ['SELECT /* FOR UPDATE */ 1', 'read', 'select'],
    ['SELECT "FOR UPDATE", \'GET_LOCK(\', `into` FROM t', 'read', 'select'],
    ['SELECT 1 # INTO @x', 'read', 'select'],
    ['SELECT 1 -- INTO @x', 'read', 'select'],
    ['SELECT 1 --1', 'read', 'select'],
    ['SELECT \'it\\\'s\' FROM t FOR UPDATE', 'write', 'locking-clause'],
    ['SELECT \'unterminated', 'unsure', 'unterminated'],
    ['SELECT 1 /* unterminated', 'unsure', 'unterminated'],
  ];
  for (const [sql, route, reason] of cases) t.same(classify(sql), [route, reason], sql);
});

t.test('NO_BACKSLASH_ESCAPES: a backslash does not escape the quote', async (t) => {
  t.same(classify('SELECT \'a\\\' FROM t FOR UPDATE', true), ['write', 'locking-clause']);
  t.same(classify('SELECT \'a\\\' FROM t FOR UPDATE'), ['unsure', 'unterminated']);
});

const templates = ['SELECT $ FROM t', 'SELECT a FROM t WHERE b = $ FOR UPDATE', 'UPDATE t SET a = $', 'SELECT $, get_lock(\'a\', 1)', 'SHOW TABLES LIKE $'];
const dangerous = fc.constantFrom(
  ' FOR UPDATE', ' INTO @x', ';DELETE FROM t', 'get_lock(', '@x', ' NEXT VALUE FOR s', '/*', '*/', '#', '-- ', '\n', '`', '\'\'', '""', 'db.f(', 'sluice:primary',
);
const content = fc.array(dangerous, { maxLength: 10 }).map((parts) => parts.join(''));

t.test('property: what a string or comment holds never changes the class', async (t) => {
  const hidden = fc.tuple(content, fc.constantFrom('single', 'double', 'block')).map(([text, kind]) => {
    if (kind === 'single') return `'${text.replaceAll('\\', '\\\\').replaceAll('\'', '\'\'')}'`;
    if (kind === 'double') return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '""')}"`;
    return `/* ${text.replaceAll('*/', '* /').replaceAll('/*!', '/ *!')} */ 1`;
  });
  fc.assert(fc.property(fc.constantFrom(...templates), hidden, (template, literal) => {
    const [route, reason] = classify(template.replace('$', literal));
    const [plainRoute, plainReason] = classify(template.replace('$', '1'));
    return route === plainRoute && reason === plainReason;
  }), { numRuns: 500 });
  t.pass('500 runs');
});

t.test('property: any input gives a class and never throws', async (t) => {
  const sqlish = fc.array(fc.oneof(dangerous, fc.string({ maxLength: 4 }), fc.constantFrom('select', 'with', 'show', 'for', 'lock', 'in', '(', ')', '.', '@', '/*!')), { maxLength: 30 })
    .map((parts) => parts.join(' '));
  fc.assert(fc.property(fc.oneof(sqlish, fc.string()), fc.boolean(), (sql, nbe) => {
    const [route] = classify(sql, nbe);
    return route === 'read' || route === 'write' || route === 'unsure';
  }), { numRuns: 2000 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
    const buf = Buffer.from(bytes);
    const r = classifier.classify(buf, 0, buf.length, false);
    return r.route === 'read' || r.route === 'write' || r.route === 'unsure';
  }), { numRuns: 2000 });
  t.pass('4000 runs');
});
