/**
 * MySQL pools keep query and transaction times as PostgreSQL's do: a client runs autocommit
 * queries and a multi-statement transaction through Sluice in front of the machine's
 * MariaDB, and /v1/stats and the Prometheus scrape show the times and one histogram
 * observation per command and per transaction, the transaction counted only at its COMMIT.
 */
import t from 'tap';
import mysql from 'mysql2/promise';
import { MYSQL_DB, MYSQL_HOST, MYSQL_PASSWORD, MYSQL_PORT, MYSQL_USER, ensureMysqlFixtures, startMysqlSluice } from '../helpers/mysql-sluice.js';

const TABLE = `${MYSQL_DB}.timings`;
const POOL = `source="app",user="${MYSQL_USER}",protocol="mysql"`;

interface Stats { transactions: number; queries: number; transactionTimeUs: number; queryTimeUs: number }

t.before(async () => {
  await ensureMysqlFixtures();
  // Made directly, not through Sluice, so that the figures count the test's own commands only.
  const root = await mysql.createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: 'root', password: '' });
  await root.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (n INT NOT NULL)`);
  await root.end();
});

t.test('query and transaction times of a MySQL pool in /v1/stats and /metrics', async (t) => {
  const sluice = await startMysqlSluice({ admin: true });
  t.teardown(() => sluice.stop());
  const client = await mysql.createConnection({ host: '127.0.0.1', port: sluice.port, user: MYSQL_USER, password: MYSQL_PASSWORD, database: MYSQL_DB });
  t.teardown(() => client.end());
  const stats = async (): Promise<Stats> => {
    const rows = await (await fetch(`${sluice.adminUrl}/v1/stats`)).json() as (Stats & { source: string; protocol: string })[];
    return rows.find((r) => r.source === 'app' && r.protocol === 'mysql')!;
  };
  const scrape = async (): Promise<Map<string, number>> => {
    const series = new Map<string, number>();
    for (const line of (await (await fetch(`${sluice.adminUrl}/metrics`)).text()).split('\n')) {
      const m = /^(sluice_\w+)\{(.*)\} (\S+)$/.exec(line);
      if (m !== null && m[2] === POOL) series.set(m[1]!, Number(m[3]));
    }
    return series;
  };

  for (let i = 0; i < 3; i++) await client.query('SELECT 1');
  await client.query('BEGIN');
  await client.query(`INSERT INTO ${TABLE} (n) VALUES (1)`);
  await client.query(`SELECT COUNT(*) FROM ${TABLE}`);
  const open = await scrape();
  t.equal(open.get('sluice_query_duration_seconds_count'), 6, 'every answered command is one query observation');
  t.equal(open.get('sluice_transaction_duration_seconds_count'), 3, 'the open transaction is not observed before it ends');
  await client.query('COMMIT');

  const s = await stats();
  t.match(s, { transactions: 4, queries: 7 }, 'three autocommit queries and one transaction of four statements');
  t.ok(s.queryTimeUs > 0, `total query time is kept (${s.queryTimeUs} µs)`);
  t.ok(s.transactionTimeUs > 0, `total transaction time is kept (${s.transactionTimeUs} µs)`);
  t.ok(s.transactionTimeUs >= s.queryTimeUs, 'a transaction\'s time spans its queries and the client\'s turns between them');

  const m = await scrape();
  t.equal(m.get('sluice_transaction_duration_seconds_count'), s.transactions, 'one transaction observation per transaction');
  t.equal(m.get('sluice_query_duration_seconds_count'), s.queries, 'one query observation per command');
  t.equal(m.get('sluice_transaction_seconds_total'), s.transactionTimeUs / 1e6, 'the counter is the stats figure');
  t.equal(m.get('sluice_query_seconds_total'), s.queryTimeUs / 1e6);
  t.equal(m.get('sluice_transaction_duration_seconds_sum'), s.transactionTimeUs / 1e6, 'the histogram holds the same time');
  t.equal(m.get('sluice_pool_wait_seconds_count'), m.get('sluice_pool_leases_total'), 'every lease is one wait observation');
});
