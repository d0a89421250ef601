import pino from 'pino';
import t from 'tap';
import mysql from 'mysql2/promise';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import type { MysqlSource } from '../../src/proxy/mysql/mysql-source.js';
import { REPL_MYSQL_DB, REPL_MYSQL_PASSWORD, REPL_MYSQL_USER, startMariadbReplication } from '../helpers/mysql-replication.js';

/** Polls until `check` holds; probes run each second. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('MySQL read/write split and writer detection over a real MariaDB primary and replica', async (t) => {
  const repl = await startMariadbReplication();
  t.teardown(() => repl.destroy());
  const config = await parseConfig(`
listeners:
  mysql: { listen: "127.0.0.1:0" }
sources:
  app:
    kind: mysql
    database: ${REPL_MYSQL_DB}
    pool: { size: 4 }
    hosts: [{ host: 127.0.0.1, port: ${repl.primary.port}, role: auto }, { host: 127.0.0.1, port: ${repl.replica.port}, role: auto }]
    users: [{ name: ${REPL_MYSQL_USER}, password: ${REPL_MYSQL_PASSWORD} }]
    routing: { read_write_split: true, replica_lag_max: 5s, failover_timeout: 20s }
`, 'test');
  const gateway = new Gateway(config, pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }));
  await gateway.start();
  t.teardown(() => gateway.shutdown(2000));
  const source = gateway.mysql!.sources.get('app') as MysqlSource;
  const [primaryHost, replicaHost] = source.hosts.hosts;
  await until('the probes to tell the roles', () => primaryHost!.health.role === 'primary' && replicaHost!.health.role === 'replica');
  t.equal(replicaHost!.health.lagSeconds, 0, 'a caught-up replica reports lag 0');

  const client = mysql.createPool({ host: '127.0.0.1', port: gateway.mysql!.address!.port, user: REPL_MYSQL_USER, password: REPL_MYSQL_PASSWORD, database: REPL_MYSQL_DB, connectionLimit: 2 });
  t.teardown(() => client.end());
  const serverId = async (sql = 'SELECT @@server_id AS id'): Promise<number> => {
    const [rows] = await client.query<mysql.RowDataPacket[]>(sql);
    return Number(rows[0]!.id);
  };

  t.test('autocommit reads go to the replica, writes and transactions to the primary', async (t) => {
    t.equal(await serverId(), 2, 'a plain SELECT runs on the replica');
    t.equal(await serverId('SELECT @@server_id AS id FROM DUAL FOR UPDATE'), 1, 'FOR UPDATE runs on the primary');
    t.equal(await serverId('/* sluice:primary */ SELECT @@server_id AS id'), 1, 'the primary hint');
    const [ok] = await client.query<mysql.ResultSetHeader>("INSERT INTO items (v) VALUES ('from sluice')");
    t.ok(ok.insertId > 0, 'the insert ran (a read-only replica would refuse it)');
    const conn = await client.getConnection();
    try {
      await conn.beginTransaction();
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT @@server_id AS id');
      t.equal(Number(rows[0]!.id), 1, 'a read inside a transaction runs on the primary');
      await conn.commit();
    } finally {
      conn.release();
    }
    await repl.caughtUp();
    const [rows] = await client.query<mysql.RowDataPacket[]>("SELECT count(*) AS n FROM items WHERE v = 'from sluice'");
    t.equal(Number(rows[0]!.n), 1, 'the replica has the row the primary wrote');
  });

  t.test('prepared statements: reads execute on the replica, the rest on the primary', async (t) => {
    const [rows] = await client.execute<mysql.RowDataPacket[]>('SELECT @@server_id AS id, ? AS x', [7]);
    t.same([Number(rows[0]!.id), Number(rows[0]!.x)], [2, 7], 'a prepared SELECT runs on the replica');
    const [again] = await client.execute<mysql.RowDataPacket[]>('SELECT @@server_id AS id, ? AS x', [8]);
    t.same([Number(again[0]!.id), Number(again[0]!.x)], [2, 8], 'and again, from the statement cache');
    const [locked] = await client.execute<mysql.RowDataPacket[]>('SELECT @@server_id AS id FROM DUAL FOR UPDATE');
    t.equal(Number(locked[0]!.id), 1, 'a prepared FOR UPDATE runs on the primary');
    const [ok] = await client.execute<mysql.ResultSetHeader>('INSERT INTO items (v) VALUES (?)', ['prepared']);
    t.ok(ok.insertId > 0, 'a prepared insert runs on the primary');
  });

  t.test('a replica whose replication stopped gets no reads until it runs again', async (t) => {
    await repl.replica.query('STOP SLAVE');
    await until('the probe to see replication stopped', () => replicaHost!.health.lagSeconds === Infinity);
    t.equal(await serverId(), 1, 'reads fall back to the primary (primary_reads: fallback)');
    await repl.replica.query('START SLAVE');
    await until('the probe to see replication running', () => replicaHost!.health.lagSeconds === 0);
    t.equal(await serverId(), 2, 'reads are back on the replica');
  });

  t.test('read_only flags move the writer; a write waits for one', async (t) => {
    await repl.primary.query('SET GLOBAL read_only = 1');
    await until('no writer', () => source.roster.failover.primary === null);
    const write = client.query<mysql.ResultSetHeader>("INSERT INTO items (v) VALUES ('after failover')");
    await new Promise((r) => setTimeout(r, 300));
    t.equal(source.roster.failover.waiting, 1, 'the write waits for a writer');
    await repl.replica.query('STOP SLAVE');
    await repl.replica.query('SET GLOBAL read_only = 0');
    const [ok] = await write;
    t.ok(ok.insertId > 0, 'the write ran once a writer appeared');
    t.equal(replicaHost!.health.role, 'primary', 'the old replica is the writer');
    t.equal(primaryHost!.health.role, 'replica', 'the old primary is read-only');
    const [rows] = await client.query<mysql.RowDataPacket[]>("/* sluice:primary */ SELECT @@server_id AS id FROM items WHERE v = 'after failover'");
    t.equal(Number(rows[0]!.id), 2, 'the row is on the new writer');
  });
});
