/**
 * Binary prepared statements through Sluice against the machine's MariaDB, with mysql2's
 * execute(): one global statement per SQL text and schema (a second client's prepare is
 * answered from the cache), client ids mapped to each connection's own, lazy re-prepare on a
 * connection that never saw the statement, the per-connection bound (max_prepared_statements)
 * closing the least recently used, and executes that leave parameter types out.
 */
import mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { MYSQL_DB, MYSQL_DB2, MYSQL_PASSWORD, MYSQL_USER, ensureMysqlFixtures, startMysqlSluice } from '../helpers/mysql-sluice.js';

await ensureMysqlFixtures();

const s = await startMysqlSluice({ size: 2, pool: 'max_prepared_statements: 2' });
t.teardown(() => s.stop());

async function client(database = MYSQL_DB) {
  const c = await mysql.createConnection({ host: '127.0.0.1', port: s.port, user: MYSQL_USER, password: MYSQL_PASSWORD, database });
  t.teardown(() => c.end().catch(() => undefined));
  return c;
}

t.test('one statement shared by clients, executed on any connection', async (t) => {
  const a = await client();
  const b = await client();
  const sql = 'SELECT ? + 1 AS n, DATABASE() AS db';
  const [ra] = await a.execute<RowDataPacket[]>(sql, [1]);
  t.same(ra, [{ n: 2, db: MYSQL_DB }]);
  const [rb] = await b.execute<RowDataPacket[]>(sql, [10]);
  t.same(rb, [{ n: 11, db: MYSQL_DB }], 'the second prepare is answered from the cache');
  // A transaction on a holds one connection: b's next execute runs on the other, which may not have it.
  await a.query('BEGIN');
  const [rb2] = await b.execute<RowDataPacket[]>(sql, [20]);
  t.same(rb2, [{ n: 21, db: MYSQL_DB }]);
  await a.query('COMMIT');
});

t.test('the cache is per schema', async (t) => {
  const a = await client(MYSQL_DB);
  const b = await client(MYSQL_DB2);
  const sql = 'SELECT DATABASE() AS db, ? AS v';
  const [ra] = await a.execute<RowDataPacket[]>(sql, ['x']);
  const [rb] = await b.execute<RowDataPacket[]>(sql, ['y']);
  t.same(ra, [{ db: MYSQL_DB, v: 'x' }]);
  t.same(rb, [{ db: MYSQL_DB2, v: 'y' }]);
});

t.test('more statements than a connection keeps: the oldest are closed and re-prepared', async (t) => {
  const a = await client();
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 5; i++) {
      const [rows] = await a.execute<RowDataPacket[]>(`SELECT ? * ${i + 1} AS v`, [round + 1]);
      t.equal(Number(rows[0]!.v), (round + 1) * (i + 1));
    }
  }
  const [rows] = await a.query<RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Prepared_stmt_count'");
  t.ok(rows.length <= 1, 'status readable');
});

t.test('statements with many types, NULLs and closes', async (t) => {
  const a = await client();
  await a.query('CREATE TABLE IF NOT EXISTS ps_types (id INT PRIMARY KEY, s VARCHAR(20), d DOUBLE, b BLOB)');
  await a.query('DELETE FROM ps_types');
  await a.execute('INSERT INTO ps_types VALUES (?, ?, ?, ?)', [1, 'one', 1.5, Buffer.from([1, 2, 3])]);
  await a.execute('INSERT INTO ps_types VALUES (?, ?, ?, ?)', [2, null, null, null]);
  const [rows] = await a.execute<RowDataPacket[]>('SELECT id, s, d, b FROM ps_types WHERE id IN (?, ?) ORDER BY id', [1, 2]);
  t.same(rows, [{ id: 1, s: 'one', d: 1.5, b: Buffer.from([1, 2, 3]) }, { id: 2, s: null, d: null, b: null }]);
  const stmt = await a.prepare('SELECT ? AS v');
  const [r1] = await stmt.execute(['first']);
  t.same(r1, [{ v: 'first' }]);
  await stmt.close();
  await t.rejects(a.execute('SELECT * FROM no_such_table WHERE id = ?', [1]), { code: 'ER_NO_SUCH_TABLE' }, 'a prepare error reaches the client');
  const [r2] = await a.execute<RowDataPacket[]>('SELECT ? AS again', ['again']);
  t.same(r2, [{ again: 'again' }], 'the session goes on after the error');
});
