/**
 * Real MySQL clients through Sluice against the machine's MariaDB: mysql2 (text and binary
 * protocol), the `mariadb` npm connector (text, prepared, reset, change user) and the
 * `mariadb` command-line client (a script with a transaction, LAST_INSERT_ID and errors).
 */
import mariadb from 'mariadb';
import mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { runProgram } from '../helpers/sluice-process.js';
import { MYSQL_DB, MYSQL_DB2, MYSQL_PASSWORD, MYSQL_USER, ensureMysqlFixtures, startMysqlSluice } from '../helpers/mysql-sluice.js';

await ensureMysqlFixtures();
const s = await startMysqlSluice({ size: 3 });
t.teardown(() => s.stop());

t.test('mysql2: text and prepared, many clients over three connections', async (t) => {
  const clients = await Promise.all(Array.from({ length: 10 }, () =>
    mysql.createConnection({ host: '127.0.0.1', port: s.port, user: MYSQL_USER, password: MYSQL_PASSWORD, database: MYSQL_DB })));
  t.teardown(() => Promise.all(clients.map((c) => c.end())));
  await clients[0]!.query('CREATE TABLE IF NOT EXISTS e2e_kv (k INT PRIMARY KEY, v VARCHAR(32))');
  await clients[0]!.query('DELETE FROM e2e_kv');
  await Promise.all(clients.map((c, i) => c.execute('INSERT INTO e2e_kv VALUES (?, ?)', [i, `v${i}`])));
  const results = await Promise.all(clients.map((c, i) => c.execute<RowDataPacket[]>('SELECT v FROM e2e_kv WHERE k = ?', [i])));
  t.same(results.map(([rows]) => rows[0]!.v), clients.map((_, i) => `v${i}`));
  const [count] = await clients[1]!.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM e2e_kv');
  t.equal(Number(count[0]!.n), 10);
});

t.test('the mariadb connector', async (t) => {
  const conn = await mariadb.createConnection({ host: '127.0.0.1', port: s.port, user: MYSQL_USER, password: MYSQL_PASSWORD, database: MYSQL_DB });
  t.teardown(() => conn.end());
  const rows = await conn.query('SELECT 1 + 1 AS two, DATABASE() AS db');
  t.same(rows.map((r: { two: number; db: string }) => ({ two: Number(r.two), db: r.db })), [{ two: 2, db: MYSQL_DB }]);
  const prepared = await conn.execute('SELECT ? AS a, ? AS b', [7, 'x']);
  t.same(prepared.map((r: { a: number; b: string }) => ({ a: Number(r.a), b: r.b })), [{ a: 7, b: 'x' }]);
  await conn.query("SET time_zone = '+01:00'");
  await conn.reset();
  const [tz] = await conn.query('SELECT @@time_zone AS tz');
  t.equal(tz.tz, 'SYSTEM', 'reset gave back the defaults');
  await conn.changeUser({ user: MYSQL_USER, password: MYSQL_PASSWORD, database: MYSQL_DB2 });
  const [db] = await conn.query('SELECT DATABASE() AS db');
  t.equal(db.db, MYSQL_DB2);
  await conn.beginTransaction();
  await conn.query('SELECT 1');
  await conn.rollback();
  await t.rejects(conn.query('SELECT * FROM no_such_table'), { code: 'ER_NO_SUCH_TABLE' });
});

t.test('the mariadb command-line client', async (t) => {
  const script = [
    'CREATE TABLE IF NOT EXISTS e2e_cli (id INT AUTO_INCREMENT PRIMARY KEY, v INT);',
    'BEGIN;',
    'INSERT INTO e2e_cli (v) VALUES (1);',
    "SELECT LAST_INSERT_ID() > 0 AS has_id;",
    'COMMIT;',
    "SELECT 'done' AS status;",
  ].join('\n');
  const r = await runProgram('mariadb', ['-h', '127.0.0.1', '-P', String(s.port), '-u', MYSQL_USER, `-p${MYSQL_PASSWORD}`, '--batch', MYSQL_DB], { input: script, timeoutMs: 30_000 });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /has_id\n1\n/);
  t.match(r.stdout, /status\ndone\n/);
  const bad = await runProgram('mariadb', ['-h', '127.0.0.1', '-P', String(s.port), '-u', MYSQL_USER, '-pwrong', '-e', 'SELECT 1'], { timeoutMs: 30_000 });
  t.not(bad.code, 0);
  t.match(bad.stderr, /1045/);
});
