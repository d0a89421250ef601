/**
 * Multiplexing through Sluice's MySQL listener against the machine's MariaDB, with mysql2
 * clients sharing a pool of one or two server connections: session variables and the schema
 * follow each client to whichever connection serves it; LAST_INSERT_ID() is the client's own;
 * a transaction, LOCK TABLES, GET_LOCK, a user variable and a temporary table keep their
 * connection; COM_RESET_CONNECTION gives the session back its defaults.
 */
import mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { MYSQL_DB, MYSQL_DB2, MYSQL_PASSWORD, MYSQL_USER, ensureMysqlFixtures, startMysqlSluice } from '../helpers/mysql-sluice.js';

await ensureMysqlFixtures();

const s = await startMysqlSluice({ size: 1 });
t.teardown(() => s.stop());

async function client() {
  const c = await mysql.createConnection({ host: '127.0.0.1', port: s.port, user: MYSQL_USER, password: MYSQL_PASSWORD, database: MYSQL_DB });
  t.teardown(() => c.end().catch(() => undefined));
  return c;
}

async function one(c: mysql.Connection, sql: string): Promise<RowDataPacket> {
  const [rows] = await c.query<RowDataPacket[]>(sql);
  return rows[0]!;
}

const setup = await client();
await setup.query('CREATE TABLE IF NOT EXISTS mux_ids (id INT AUTO_INCREMENT PRIMARY KEY, who VARCHAR(8))');

t.test('session variables follow the client onto a shared connection', async (t) => {
  const a = await client();
  const b = await client();
  await a.query("SET time_zone = '+03:00', sql_mode = 'ANSI_QUOTES'");
  await a.query('SET NAMES latin1');
  const fromB = await one(b, 'SELECT @@time_zone AS tz, @@sql_mode AS mode, @@character_set_client AS cs, CONNECTION_ID() AS id');
  const fromA = await one(a, 'SELECT @@time_zone AS tz, @@sql_mode AS mode, @@character_set_client AS cs, CONNECTION_ID() AS id');
  t.equal(fromA.id, fromB.id, 'one server connection serves both');
  t.same([fromA.tz, fromA.mode, fromA.cs], ['+03:00', 'ANSI_QUOTES', 'latin1'], 'A keeps what it set');
  t.not(fromB.tz, '+03:00', 'B never sees A\'s time zone');
  t.not(fromB.cs, 'latin1');
  await a.query("SET time_zone = '+04:00'");
  t.equal((await one(a, 'SELECT @@time_zone AS tz')).tz, '+04:00', 'a later SET of the same variable wins');
});

t.test('the schema follows the client', async (t) => {
  const a = await client();
  const b = await client();
  await a.query(`USE ${MYSQL_DB2}`);
  t.equal((await one(b, 'SELECT DATABASE() AS db')).db, MYSQL_DB);
  t.equal((await one(a, 'SELECT DATABASE() AS db')).db, MYSQL_DB2);
  await b.changeUser({ database: MYSQL_DB2 });
  t.equal((await one(b, 'SELECT DATABASE() AS db')).db, MYSQL_DB2);
});

t.test('LAST_INSERT_ID() answers from the client\'s own last insert', async (t) => {
  const a = await client();
  const b = await client();
  const [ra] = await a.query<mysql.ResultSetHeader>("INSERT INTO mux_ids (who) VALUES ('a')");
  const [rb] = await b.query<mysql.ResultSetHeader>("INSERT INTO mux_ids (who) VALUES ('b')");
  t.not(ra.insertId, rb.insertId);
  t.equal(Number((await one(a, 'SELECT LAST_INSERT_ID() AS id')).id), ra.insertId);
  t.equal(Number((await one(b, 'SELECT LAST_INSERT_ID() AS id')).id), rb.insertId);
});

t.test('a transaction keeps its connection; others wait for the commit', async (t) => {
  const a = await client();
  const b = await client();
  await a.query('BEGIN');
  await a.query("INSERT INTO mux_ids (who) VALUES ('tx')");
  const order: string[] = [];
  const waiting = b.query('SELECT 1').then(() => order.push('b'));
  const [rows] = await a.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM mux_ids WHERE who = 'tx'");
  t.ok(Number(rows[0]!.n) >= 1, 'the transaction sees its own row');
  order.push('a-commit');
  await a.query('COMMIT');
  await waiting;
  t.same(order, ['a-commit', 'b'], 'b ran after the commit released the only connection');
});

t.test('pins: user variables, GET_LOCK, temporary tables, LOCK TABLES', async (t) => {
  const big = await startMysqlSluice({ size: 2 });
  t.teardown(() => big.stop());
  const connect = () => mysql.createConnection({ host: '127.0.0.1', port: big.port, user: MYSQL_USER, password: MYSQL_PASSWORD, database: MYSQL_DB });
  const a = await connect();
  const b = await connect();
  t.teardown(async () => { await a.end(); await b.end(); });
  await a.query('SET @x = 42');
  await b.query('SELECT 1');
  t.equal(Number((await one(a, 'SELECT @x AS x')).x), 42, 'user variable kept');
  await a.query('CREATE TEMPORARY TABLE tmp_pin (v INT)');
  await a.query('INSERT INTO tmp_pin VALUES (7)');
  await b.query('SELECT 1');
  t.equal(Number((await one(a, 'SELECT v FROM tmp_pin')).v), 7, 'temporary table kept');
  const c = await connect();
  await c.query('LOCK TABLES mux_ids READ');
  const idC = (await one(c, 'SELECT CONNECTION_ID() AS id')).id;
  t.equal((await one(c, 'SELECT CONNECTION_ID() AS id')).id, idC, 'LOCK TABLES keeps the connection');
  await c.query('UNLOCK TABLES');
  await c.end();
  await a.query("SELECT GET_LOCK('sluice_pin', 0)");
  await b.query('SELECT 1');
  const held = await one(a, "SELECT IS_USED_LOCK('sluice_pin') = CONNECTION_ID() AS mine");
  t.equal(Number(held.mine), 1, 'GET_LOCK keeps the connection that holds the lock');
});

t.test('COM_RESET_CONNECTION: defaults again, pins dropped', async (t) => {
  const a = await client();
  await a.query("SET time_zone = '+02:00'");
  await a.reset();
  t.equal((await one(a, 'SELECT @@time_zone AS tz')).tz, 'SYSTEM');
});
