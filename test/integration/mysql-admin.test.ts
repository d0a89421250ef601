/**
 * A MySQL source in every admin view: /v1 (pools, clients, servers, hosts, stats), /metrics
 * and the PgBouncer console's SHOW POOLS, CLIENTS and SERVERS. One gateway serves a
 * PostgreSQL source (for the console) and a MySQL one in front of the machine's MariaDB, with
 * three MySQL clients: one idle, one inside a transaction (it holds a server connection) and
 * one that has not answered the greeting yet.
 */
import net from 'node:net';
import t from 'tap';
import pg from 'pg';
import pino from 'pino';
import mysql from 'mysql2/promise';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import { ADMIN, STATS, ask, records } from '../helpers/console.js';
import { ensureRoleAndDb, PG_HOST, PG_PORT, TEST_DATABASE, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import { MYSQL_DB, MYSQL_HOST, MYSQL_PASSWORD, MYSQL_PORT, MYSQL_USER, ensureMysqlFixtures } from '../helpers/mysql-sluice.js';

const HOST = `${MYSQL_HOST}:${MYSQL_PORT}`;

interface Row { [field: string]: unknown }

t.before(async () => {
  await ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD);
  await ensureMysqlFixtures();
});

async function startGateway(): Promise<Gateway> {
  const yaml = `
admin: { listen: "127.0.0.1:0", auth: none, admin_users: [${ADMIN.name}], stats_users: [${STATS.name}] }
listeners:
  postgres: { listen: "127.0.0.1:0" }
  mysql: { listen: "127.0.0.1:0" }
sources:
  app:
    kind: postgres
    database: ${TEST_DATABASE}
    hosts: [{ host: ${PG_HOST}, port: ${PG_PORT} }]
    users:
      - { name: ${TEST_ROLE}, password: ${TEST_PASSWORD} }
      - { name: ${ADMIN.name}, password: ${ADMIN.password} }
      - { name: ${STATS.name}, password: ${STATS.password} }
  shop:
    kind: mysql
    database: ${MYSQL_DB}
    pool: { size: 4 }
    hosts: [{ host: ${MYSQL_HOST}, port: ${MYSQL_PORT} }]
    users: [{ name: ${MYSQL_USER}, password: ${MYSQL_PASSWORD} }]
`;
  const gateway = new Gateway(await parseConfig(yaml, 'test'), pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }));
  await gateway.start();
  return gateway;
}

t.test('the MySQL source, its clients and its server connections in every view', async (t) => {
  const gateway = await startGateway();
  t.teardown(() => gateway.shutdown(2000));
  const port = gateway.mysql!.address!.port;
  const admin = `http://${gateway.adminAddress!.host}:${gateway.adminAddress!.port}`;
  const get = async (path: string): Promise<Row[]> => (await fetch(admin + path)).json() as Promise<Row[]>;
  const connect = () => mysql.createConnection({ host: '127.0.0.1', port, user: MYSQL_USER, password: MYSQL_PASSWORD, database: 'shop' });

  const idle = await connect();
  idle.on('error', () => undefined);
  t.teardown(() => idle.end().catch(() => undefined));
  await idle.query('SELECT 1');
  const inTx = await connect();
  t.teardown(() => inTx.end());
  await inTx.query('BEGIN');
  await inTx.query('SELECT 1');
  const [[{ id: inTxThread }]] = await inTx.query<mysql.RowDataPacket[]>('SELECT CONNECTION_ID() AS id') as unknown as [[{ id: number }]];
  t.ok(inTxThread > 0);
  const login = net.connect({ host: '127.0.0.1', port });
  t.teardown(() => login.destroy());
  await new Promise((resolve) => login.once('data', resolve));

  t.test('/v1/pools and /v1/stats', async (t) => {
    const pools = await get('/v1/pools');
    t.match(pools.find((p) => p.source === 'app'), { protocol: 'postgres' }, 'PostgreSQL pools say so');
    t.match(pools.find((p) => p.source === 'shop'), {
      protocol: 'mysql', user: MYSQL_USER, mode: 'transaction', size: 4, clActive: 1, clIdle: 1, clWaiting: 0, svActive: 1, paused: false,
    });
    const stats = (await get('/v1/stats')).find((s) => s.source === 'shop')!;
    t.match(stats, { protocol: 'mysql', user: MYSQL_USER });
    t.ok((stats.queries as number) >= 4, `commands are the queries (${String(stats.queries)})`);
    t.ok((stats.leases as number) >= 2, 'each unit of work took a lease');
    t.ok((stats.transactions as number) >= 1, 'the idle client\'s SELECT ended outside a transaction');
  });

  t.test('/v1/clients and /v1/servers', async (t) => {
    const clients = (await get('/v1/clients')).filter((c) => c.protocol === 'mysql');
    t.equal(clients.length, 3);
    const active = clients.find((c) => c.state === 'active')!;
    t.match(active, { source: 'shop', user: MYSQL_USER, addr: '127.0.0.1', localAddr: '127.0.0.1', localPort: port, serverId: Number, tls: '' });
    t.match(clients.find((c) => c.state === 'idle'), { source: 'shop', serverId: null });
    t.match(clients.find((c) => c.state === 'login'), { source: '', user: '' });
    const servers = (await get('/v1/servers')).filter((s) => s.protocol === 'mysql');
    const held = servers.find((s) => s.id === active.serverId)!;
    t.match(held, { source: 'shop', user: MYSQL_USER, host: HOST, state: 'active', clientId: active.id, tls: '' });
    t.ok(servers.filter((s) => s.id !== held.id).every((s) => s.clientId === null && s.state !== 'active'), 'the others are idle in the pool');
  });

  t.test('/v1/hosts and /metrics', async (t) => {
    const host = (await get('/v1/hosts')).find((h) => h.source === 'shop');
    t.match(host, { protocol: 'mysql', key: HOST, role: 'primary', disabled: false, health: { observedRole: String } });
    t.ok((host!.connections as number) >= 1);
    const text = await (await fetch(admin + '/metrics')).text();
    const lines = text.split('\n');
    const pool = `source="shop",user="${MYSQL_USER}",protocol="mysql"`;
    for (const series of [
      `sluice_pool_size{${pool}} 4`,
      `sluice_pool_waiting_clients{${pool}} 0`,
      `sluice_client_connections{${pool},state="active"} 1`,
      `sluice_client_connections{${pool},state="idle"} 1`,
      'sluice_client_connections{source="",user="",protocol="mysql",state="login"} 1',
      `sluice_server_connections{${pool},state="active"} 1`,
      `sluice_server_connections_by_host{source="shop",user="${MYSQL_USER}",host="${HOST}",protocol="mysql",state="active"} 1`,
    ]) t.ok(lines.includes(series), series);
    t.match(text, new RegExp(`^sluice_queries_total\\{${pool}\\} [1-9]`, 'm'));
    t.match(text, /^sluice_client_connections\{source="",user="",protocol="postgres",state="login"\} 0$/m, 'PostgreSQL logins are counted apart');
    const ready = await fetch(admin + '/readyz');
    t.same([ready.status, await ready.json()], [200, { ready: true, reasons: [] }], 'the MySQL source counts for readiness');
  });

  t.test('the console', async (t) => {
    const c = new pg.Client({ host: '127.0.0.1', port: gateway.postgresAddress!.port, user: ADMIN.name, password: ADMIN.password, database: 'pgbouncer' });
    await c.connect();
    t.teardown(() => c.end());
    const pools = records(await ask(c, 'SHOW POOLS'));
    // PgBouncer's cl_active counts logged-in clients whether or not they hold a server.
    t.match(pools.find((r) => r.database === 'shop'), { user: MYSQL_USER, cl_active: 2, sv_active: 1, pool_mode: 'transaction' });
    t.ok(pools.some((r) => r.database === 'app'), 'PostgreSQL pools are still listed');
    const clients = records(await ask(c, 'SHOW CLIENTS')).filter((r) => r.database === 'shop');
    t.equal(clients.length, 2, 'the clients logged in to the source');
    const active = clients.find((r) => r.link !== '')!;
    t.match(active, { type: 'C', user: MYSQL_USER, addr: '127.0.0.1', local_port: port, ptr: /^0xe/, link: /^0x7/ });
    const servers = records(await ask(c, 'SHOW SERVERS')).filter((r) => r.database === 'shop');
    const held = servers.find((r) => r.ptr === active.link)!;
    t.match(held, { type: 'S', state: 'active', addr: MYSQL_HOST, port: MYSQL_PORT, link: active.ptr });
  });

  t.test('kill names a MySQL client with ?protocol=mysql', async (t) => {
    const target = (await get('/v1/clients')).find((c) => c.protocol === 'mysql' && c.state === 'idle')!;
    const res = await fetch(`${admin}/v1/clients/${String(target.id)}/kill?protocol=mysql`, { method: 'POST' });
    t.same([res.status, await res.json()], [200, { id: target.id, killed: true }]);
    await t.rejects(idle.query('SELECT 1'), /killed by an operator|closed state/, 'the killed client cannot go on');
    const missing = await fetch(`${admin}/v1/clients/999999/kill?protocol=mysql`, { method: 'POST' });
    t.same([missing.status, ((await missing.json()) as Row).code], [404, 'SLUICE_ADMIN_NOT_FOUND']);
    t.equal((await get('/v1/clients')).filter((c) => c.protocol === 'mysql').length, 2, 'the others stay');
  });
});
