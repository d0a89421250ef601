// The parse-tree classifier with function volatility learnt from a real database (issue 4
// item 4): a read calling a user-defined STABLE function goes to a replica, one calling a
// VOLATILE function goes to the primary.
import t from 'tap';
import pg from 'pg';
import pino from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import type { PgSource } from '../../src/proxy/postgres/pg-source.js';
import { REPL_DATABASE, REPL_PASSWORD, REPL_USER, startReplicatedCluster, type ReplicatedCluster } from '../helpers/replication.js';

let cluster: ReplicatedCluster;
let gateway: Gateway;
let source: PgSource;
let url: string;

async function onNode(port: number, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: REPL_USER, password: REPL_PASSWORD, database: REPL_DATABASE });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

async function until(ok: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.before(async () => {
  cluster = await startReplicatedCluster(1);
  // Each returns the port of the server that ran it; only the volatility differs.
  await onNode(cluster.primary.port, `
    CREATE SCHEMA reports AUTHORIZATION ${REPL_USER};
    CREATE FUNCTION reports.port_stable() RETURNS text STABLE LANGUAGE sql AS $$ SELECT current_setting('port') $$;
    CREATE FUNCTION port_immutable_ish() RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT '1' $$;
    CREATE FUNCTION port_volatile() RETURNS text VOLATILE LANGUAGE sql AS $$ SELECT current_setting('port') $$;`);
  await until(async () => (await onNode(cluster.replicas[0]!.port, "SELECT 1 FROM pg_proc WHERE proname = 'port_volatile'")).rowCount === 1, 'the functions to replicate');
  const yaml = `
listeners:
  postgres: { listen: "127.0.0.1:0" }
sources:
  app:
    kind: postgres
    database: ${REPL_DATABASE}
    auth: trust
    pool: { mode: transaction, size: 2 }
    hosts:
      - { host: 127.0.0.1, port: ${cluster.primary.port}, role: auto }
      - { host: 127.0.0.1, port: ${cluster.replicas[0]!.port}, role: auto }
    users: [{ name: ${REPL_USER}, password: ${REPL_PASSWORD} }]
    routing: { read_write_split: true, primary_reads: never }
    health: { probe_interval: 200ms, probe_timeout: 1s }
`;
  gateway = new Gateway(await parseConfig(yaml, 'volatility-test'), pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }));
  await gateway.start();
  source = gateway.postgres!.sources.get('app')!;
  url = `postgres://${REPL_USER}:${REPL_PASSWORD}@127.0.0.1:${gateway.postgresAddress!.port}/app`;
  await until(() => source.hosts.hosts.map((h) => h.health.role).join(',') === 'primary,replica', 'every host probed');
  await until(() => source.volatility.loadedAt !== null, 'function volatility loaded');
});

t.teardown(async () => {
  await gateway?.shutdown(2000);
  await cluster?.destroy();
});

t.test('the probe loaded the database\'s volatility', async (t) => {
  t.equal(source.volatility.nonVolatile('reports', 'port_stable'), true);
  t.equal(source.volatility.nonVolatile(null, 'port_stable'), true);
  t.equal(source.volatility.nonVolatile(null, 'port_immutable_ish'), true);
  t.equal(source.volatility.nonVolatile(null, 'port_volatile'), false);
  t.equal(source.volatility.nonVolatile('pg_catalog', 'lower'), true, 'built-ins come with it');
  t.ok(source.volatility.size > 1000, `${source.volatility.size} non-volatile functions`);
});

t.test('a STABLE function is read on the replica, a VOLATILE one runs on the primary', async (t) => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const replica = String(cluster.replicas[0]!.port);
    const primary = String(cluster.primary.port);
    t.equal((await c.query('SELECT reports.port_stable() AS port')).rows[0].port, replica, 'qualified STABLE call');
    t.equal((await c.query('SELECT port_immutable_ish(), reports.port_stable() AS port')).rows[0].port, replica, 'IMMUTABLE and STABLE calls');
    t.equal((await c.query('SELECT port_volatile() AS port')).rows[0].port, primary, 'VOLATILE call');
    t.equal((await c.query('SELECT reports.port_stable() AS port, port_volatile()')).rows[0].port, primary, 'one VOLATILE call among STABLE ones');
    t.equal((await c.query('SELECT reports.port_stable() AS port FOR UPDATE')).rows[0].port, primary, 'a locking clause still writes');
    t.equal((await c.query("SELECT current_setting('port') AS port")).rows[0].port, replica, 'the lexical path still reads built-ins on the replica');
  } finally {
    await c.end();
  }
});
