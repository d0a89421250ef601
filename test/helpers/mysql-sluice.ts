/**
 * The MySQL tests' fixtures: a dedicated database and users on the machine's MariaDB
 * (127.0.0.1:3306, root without password), created if missing, and a real Sluice gateway in
 * the test process with a mysql listener on an ephemeral port, loaded from YAML.
 */
import mysql from 'mysql2/promise';
import pino from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';

export const MYSQL_HOST = '127.0.0.1';
export const MYSQL_PORT = 3306;
export const MYSQL_DB = 'sluice_test';
export const MYSQL_USER = 'sluice_test';
export const MYSQL_PASSWORD = 'sluice_test';
/** A second schema the test user may USE, for schema tracking. */
export const MYSQL_DB2 = 'sluice_test2';

/** Idempotent: the test schema and its user, with grants, on the local MariaDB. */
export async function ensureMysqlFixtures(): Promise<void> {
  const root = await mysql.createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: 'root', password: '' });
  try {
    for (const db of [MYSQL_DB, MYSQL_DB2]) await root.query(`CREATE DATABASE IF NOT EXISTS ${db}`);
    for (const host of ['%', 'localhost']) {
      await root.query(`CREATE USER IF NOT EXISTS '${MYSQL_USER}'@'${host}' IDENTIFIED BY '${MYSQL_PASSWORD}'`);
      for (const db of [MYSQL_DB, MYSQL_DB2]) await root.query(`GRANT ALL ON ${db}.* TO '${MYSQL_USER}'@'${host}'`);
    }
  } finally {
    await root.end();
  }
}

/** sysbench's user, schema and tables (4 x 10000 rows), prepared once; what the e2e test and bench:mysql run. */
export const SYSBENCH_ARGS = ['--db-driver=mysql', '--mysql-user=sbtest', '--mysql-password=sbtest', '--mysql-db=sbtest', '--tables=4', '--table-size=10000'];

export async function ensureSysbenchFixtures(run: (args: string[]) => Promise<{ code: number | null; stderr: string }>): Promise<void> {
  const root = await mysql.createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: 'root', password: '' });
  try {
    await root.query('CREATE DATABASE IF NOT EXISTS sbtest');
    for (const host of ['%', 'localhost']) {
      await root.query(`CREATE USER IF NOT EXISTS 'sbtest'@'${host}' IDENTIFIED BY 'sbtest'`);
      await root.query(`GRANT ALL ON sbtest.* TO 'sbtest'@'${host}'`);
    }
    const [rows] = await root.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'sbtest' AND TABLE_NAME LIKE 'sbtest%'");
    if (Number(rows[0]!.n) >= 4) return;
    await root.query('DROP DATABASE sbtest');
    await root.query('CREATE DATABASE sbtest');
  } finally {
    await root.end();
  }
  const r = await run(['oltp_read_write', ...SYSBENCH_ARGS, `--mysql-host=${MYSQL_HOST}`, `--mysql-port=${MYSQL_PORT}`, 'prepare']);
  if (r.code !== 0) throw new Error(`sysbench prepare failed: ${r.stderr}`);
}

export interface TestMysqlSluice {
  gateway: Gateway;
  port: number;
  /** With `admin`: the admin port's base URL, e.g. http://127.0.0.1:40123; '' without. */
  adminUrl: string;
  stop(): Promise<void>;
}

export interface TestMysqlOptions {
  /** Pool size of the source (default 5). */
  size?: number;
  /** Extra YAML in the pool mapping, e.g. "query_wait_timeout: 2s". */
  pool?: string;
  /** YAML flow list of users; default one user with the fixture's password. */
  users?: string;
  /** Extra YAML in the listener mapping, e.g. "auth: caching_sha2_password". */
  listener?: string;
  /** Source-level `database` (the schema clients naming the source start in). */
  database?: string;
  /** Start the admin HTTP port (/v1, /metrics) on 127.0.0.1:0, without auth. */
  admin?: boolean;
}

/** Source `app` in front of the local MariaDB; clients name `app` or a schema as their database. */
export async function startMysqlSluice(o: TestMysqlOptions = {}): Promise<TestMysqlSluice> {
  const yaml = `${o.admin ? 'admin: { listen: "127.0.0.1:0", auth: none }' : ''}
listeners:
  mysql: { listen: "127.0.0.1:0"${o.listener ? `, ${o.listener}` : ''} }
sources:
  app:
    kind: mysql
    database: ${JSON.stringify(o.database ?? MYSQL_DB)}
    pool: { size: ${o.size ?? 5}${o.pool ? `, ${o.pool}` : ''} }
    hosts: [{ host: ${MYSQL_HOST}, port: ${MYSQL_PORT} }]
    users: ${o.users ?? `[{ name: ${MYSQL_USER}, password: ${MYSQL_PASSWORD} }, { name: sbtest, password: sbtest }]`}
`;
  const config = await parseConfig(yaml, 'test');
  const gateway = new Gateway(config, pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }));
  await gateway.start();
  const port = gateway.mysql!.address!.port;
  const admin = gateway.adminAddress;
  return { gateway, port, adminUrl: admin === null ? '' : `http://${admin.host}:${admin.port}`, stop: () => gateway.shutdown(2000) };
}
