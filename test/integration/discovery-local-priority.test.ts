import t from 'tap';
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { connect } from '../../src/discovery/connectors/index.js';
import { isLoopbackHost, lowerMariadbThread, lowerPostgresBackend } from '../../src/discovery/local-priority.js';
import { STRATEGY_PRESETS } from '../../src/discovery/strategy.js';
import { PG_HOST, PG_PORT, adminQuery } from '../helpers/postgres.js';
import { MYSQL_HOST, MYSQL_PORT } from '../helpers/mysql-sluice.js';

const DB = `sluice_discovery_nice_${process.pid}`;
const b = STRATEGY_PRESETS.balanced;
const LIMITS = { statementTimeoutMs: 5_000, maxValueLength: b.maxValueLength, scanCount: b.scanCount, sampleKeys: b.sampleKeys, sampleObjects: b.sampleObjects, sampleBytes: b.sampleBytes, sampleRows: b.sampleRows, pace: async () => {} };
// Lowering another user's process needs CAP_SYS_NICE; CI and the dev machine run as root.
const canRenice = process.platform === 'linux' && process.getuid?.() === 0;

/** The nice level of a process or thread, from /proc/<id>/stat (field 19; the name in field 2 may hold spaces). */
function niceOf(id: number): number {
  const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

t.test('loopback hosts are this machine, anything else is not', async (t) => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]']) t.ok(isLoopbackHost(h), h);
  for (const h of ['10.0.0.1', 'db.example.com', '128.0.0.1', '::2', '127.0.0.1.example.com', '']) t.notOk(isLoopbackHost(h), h);
});

t.test('a pid that is not the named connection\'s backend is left alone', async (t) => {
  const ownNice = niceOf(process.pid);
  t.notOk(lowerPostgresBackend(process.pid, 5432), 'this node process is no PostgreSQL backend');
  t.notOk(lowerPostgresBackend(2 ** 22 + 1, 5432), 'no such process');
  t.notOk(lowerMariadbThread(process.pid, false), 'a main thread of a process that is no MariaDB');
  t.notOk(lowerMariadbThread(process.pid, true), 'pool-of-threads is never touched');
  t.equal(niceOf(process.pid), ownNice, 'nothing was changed on the way');
});

t.test('discovery\'s PostgreSQL backends on this machine run at nice 10, live backends at 0', { skip: canRenice ? false : 'needs Linux and root (CAP_SYS_NICE)' }, async (t) => {
  await adminQuery(`DROP DATABASE IF EXISTS ${DB}`);
  await adminQuery(`CREATE DATABASE ${DB}`);
  t.teardown(() => adminQuery(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`));
  const connector = await connect({ kind: 'postgres', source: 'local', host: PG_HOST, port: PG_PORT, user: 'postgres', database: DB }, { ...LIMITS, lanes: 2 });
  t.teardown(() => connector.close());
  // Two statements at once open both lanes' connections; each lowers its backend before its first statement.
  await Promise.all([connector.introspect(), connector.introspect()]);
  const live = new pg.Client({ host: PG_HOST, port: PG_PORT, user: 'postgres', database: DB });
  await live.connect();
  t.teardown(() => live.end());
  const { rows } = await live.query<{ pid: number; app: string }>(`SELECT pid, application_name AS app FROM pg_stat_activity WHERE datname = $1 ORDER BY pid`, [DB]);
  const discovery = rows.filter((r) => r.app === 'sluice-discovery');
  t.equal(discovery.length, 2, 'one backend per lane');
  for (const r of discovery) t.equal(niceOf(r.pid), 10, `discovery backend ${r.pid}`);
  const mine = rows.find((r) => r.app !== 'sluice-discovery');
  t.ok(mine, 'the live client has a backend');
  t.equal(niceOf(mine!.pid), 0, 'a live backend keeps its priority');
});

t.test('discovery\'s MariaDB connection thread on this machine runs at nice 10, the server\'s other threads at 0', { skip: canRenice ? false : 'needs Linux and root (CAP_SYS_NICE)' }, async (t) => {
  const live = await mysql.createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: 'root' });
  t.teardown(() => live.end());
  const threads = async () => (await live.query<mysql.RowDataPacket[]>('SELECT id, tid FROM information_schema.processlist WHERE tid IS NOT NULL'))[0].map((r) => ({ id: Number(r['id']), tid: Number(r['tid']) }));
  const before = new Set((await threads()).map((r) => r.id));
  const connector = await connect({ kind: 'mysql', source: 'local', host: MYSQL_HOST, port: MYSQL_PORT, user: 'root', database: '' }, LIMITS);
  t.teardown(() => connector.close());
  const added = (await threads()).filter((r) => !before.has(r.id));
  t.equal(added.length, 1, 'the connector opened one connection');
  t.equal(niceOf(added[0]!.tid), 10, 'its thread runs at nice 10');
  const [[mine]] = await live.query<mysql.RowDataPacket[]>('SELECT tid FROM information_schema.processlist WHERE id = CONNECTION_ID()');
  t.equal(niceOf(Number(mine!['tid'])), 0, 'a live connection\'s thread keeps its priority');
  await connector.close();
  // MariaDB caches the closed connection's thread for the next connection: it must be back at the server's priority.
  t.equal(niceOf(added[0]!.tid), 0, 'closing puts the thread back before the server caches it');
});
