/**
 * A Redis source in every admin view: /v1 (pools, clients, servers, hosts, stats, redis),
 * /metrics, the PgBouncer console's SHOW POOLS, CLIENTS, SERVERS, DATABASES and LISTS, and
 * the status page. One gateway serves a PostgreSQL source (for the console) and a Redis one,
 * with four Redis clients: idle on a shared connection, inside MULTI (a dedicated
 * connection), subscribed (the subscriber connection), and one that has not sent AUTH yet.
 */
import t from 'tap';
import pg from 'pg';
import pino from 'pino';
import { Redis } from 'ioredis';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import { ADMIN, STATS, ask, records } from '../helpers/console.js';
import { ensureRoleAndDb, PG_HOST, PG_PORT, TEST_DATABASE, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import { RawRedis, REDIS_HOST, REDIS_PORT, resp, startRedisSluice } from '../helpers/redis-sluice.js';
import { freePortForTest } from '../helpers/redis-ports.js';

const P = `sluice-test:admin-redis:${process.pid}:`;
const HOST = `${REDIS_HOST}:${REDIS_PORT}`;

interface Row { [field: string]: unknown }

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

async function startGateway(): Promise<Gateway> {
  const yaml = `
admin: { listen: "127.0.0.1:0", auth: none, admin_users: [${ADMIN.name}], stats_users: [${STATS.name}] }
listeners:
  postgres: { listen: "127.0.0.1:0" }
sources:
  app:
    kind: postgres
    database: ${TEST_DATABASE}
    hosts: [{ host: ${PG_HOST}, port: ${PG_PORT} }]
    users:
      - { name: ${TEST_ROLE}, password: ${TEST_PASSWORD} }
      - { name: ${ADMIN.name}, password: ${ADMIN.password} }
      - { name: ${STATS.name}, password: ${STATS.password} }
  cache:
    kind: redis
    listen: 127.0.0.1:0
    hosts: [{ host: ${REDIS_HOST}, port: ${REDIS_PORT} }]
    users: [{ name: default, password: pw }]
    pool: { shared_connections: 2, dedicated_size: 3 }
`;
  const gateway = new Gateway(await parseConfig(yaml, 'test'), pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }));
  await gateway.start();
  return gateway;
}

/** Poll until `check` passes: probes and pins change state without telling the test. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

t.test('the Redis source, its clients and its server connections in every view', async (t) => {
  const gateway = await startGateway();
  t.teardown(() => gateway.shutdown(2000));
  const port = gateway.redis.address('cache')!.port;
  const admin = `http://${gateway.adminAddress!.host}:${gateway.adminAddress!.port}`;
  const get = async <T = Row[]>(path: string): Promise<T> => (await fetch(admin + path)).json() as Promise<T>;

  const idle = new Redis({ port, password: 'pw', connectionName: 'views-idle', lazyConnect: true, maxRetriesPerRequest: 0 });
  idle.on('error', () => {});
  await idle.connect();
  t.teardown(() => idle.disconnect());
  await idle.set(`${P}k`, 'v');
  t.equal(await idle.get(`${P}k`), 'v');
  await idle.del(`${P}k`);
  const inMulti = await RawRedis.connect(port);
  t.teardown(() => inMulti.close());
  inMulti.write(resp('AUTH', 'pw') + resp('CLIENT', 'SETNAME', 'views-multi') + resp('MULTI'));
  t.equal(await inMulti.read((x) => x.split('+OK').length === 4), '+OK\r\n+OK\r\n+OK\r\n', 'inside MULTI: a dedicated connection is held');
  const subscriber = await RawRedis.connect(port);
  t.teardown(() => subscriber.close());
  subscriber.write(resp('AUTH', 'pw') + resp('SUBSCRIBE', `${P}ch`));
  await subscriber.read((x) => x.includes(`${P}ch`) && x.endsWith(':1\r\n'));
  const login = await RawRedis.connect(port);
  t.teardown(() => login.close());

  t.test('/v1/pools and /v1/stats', async (t) => {
    await until('the login client to be seen', async () => (await get('/v1/clients')).filter((c) => c.protocol === 'redis').length === 4);
    const pools = await get('/v1/pools');
    t.match(pools.find((p) => p.source === 'app'), { protocol: 'postgres' }, 'PostgreSQL pools say so');
    const cache = pools.find((p) => p.source === 'cache');
    // Shared: 2 on the one host; the subscriber; the dedicated one inside MULTI.
    t.match(cache, { protocol: 'redis', user: 'default', mode: 'statement', size: 3, clActive: 2, clIdle: 1, clWaiting: 0, svActive: 4, paused: false });
    const stats = (await get('/v1/stats')).find((s) => s.source === 'cache');
    t.match(stats, { protocol: 'redis', user: 'default', leases: 1 });
    t.ok((stats!.queries as number) >= 8, `commands are the queries (${String(stats!.queries)})`);
    const [redis] = await get('/v1/redis');
    t.match(redis, { source: 'cache', clients: 4, sharedConnections: 2, dedicatedActive: 1, dedicatedLeases: 1 });
  });

  t.test('/v1/clients and /v1/servers', async (t) => {
    const clients = (await get('/v1/clients')).filter((c) => c.protocol === 'redis');
    const byName = (name: string) => clients.find((c) => c.applicationName === name)!;
    t.match(byName('views-idle'), { source: 'cache', user: 'default', state: 'idle', addr: '127.0.0.1', localAddr: '127.0.0.1', localPort: port });
    t.match(byName('views-multi'), { state: 'active', serverId: Number });
    t.equal(clients.filter((c) => c.state === 'login').length, 1, 'the client that has not sent AUTH yet');
    const servers = (await get('/v1/servers')).filter((s) => s.source === 'cache');
    const shared = servers.filter((s) => s.kind === 'shared');
    t.equal(shared.length, 2);
    t.ok(shared.every((s) => s.state === 'active' && s.host === HOST && s.protocol === 'redis'));
    t.equal(shared.reduce((n, s) => n + (s.clients as number), 0), 1, 'the idle client is pinned to one of them');
    const dedicated = servers.find((s) => s.kind === 'dedicated')!;
    t.match(dedicated, { state: 'active', clientId: byName('views-multi').id, clients: 1 });
    t.equal(byName('views-multi').serverId, dedicated.id, 'client and server point at each other');
    t.match(servers.find((s) => s.kind === 'subscriber'), { state: 'active', clients: 1 });
    // backendPid is Redis's CLIENT ID: an operator finds the connection in CLIENT LIST.
    const direct = new Redis({ port: REDIS_PORT, host: REDIS_HOST, lazyConnect: true });
    await direct.connect();
    t.teardown(() => direct.disconnect());
    const list = await direct.call('CLIENT', 'LIST') as string;
    for (const s of servers) t.match(list, new RegExp(`^id=${String(s.backendPid)} .*name=sluice-cache-`, 'm'), `server ${String(s.id)} (${String(s.kind)}) in CLIENT LIST`);
  });

  t.test('/v1/hosts and /metrics', async (t) => {
    await until('a probe of the Redis host', async () => {
      const h = (await get('/v1/hosts')).find((x) => x.source === 'cache') as { health: { latencyEwmaMs: number } } | undefined;
      return h !== undefined && h.health.latencyEwmaMs > 0;
    });
    const host = (await get('/v1/hosts')).find((h) => h.source === 'cache');
    t.match(host, { protocol: 'redis', key: HOST, role: 'primary', up: true, lastError: null, disabled: false, health: { state: 'healthy', observedRole: 'primary' } });
    t.ok((host!.connections as number) >= 4, 'shared, dedicated and subscriber connections count on the host');
    const text = await (await fetch(admin + '/metrics')).text();
    const l = `source="cache",host="${HOST}",protocol="redis"`;
    for (const series of [`sluice_host_up{${l}} 1`, `sluice_host_state{${l},state="healthy"} 1`, `sluice_host_role{${l},role="primary"} 1`,
      'sluice_client_connections{source="cache",user="default",protocol="redis",state="active"} 2',
      'sluice_client_connections{source="cache",user="",protocol="redis",state="login"} 1']) {
      t.ok(text.split('\n').includes(series), series);
    }
    t.match(text, new RegExp(`^sluice_host_latency_ewma_seconds\\{${l}\\} [0-9.e-]+$`, 'm'), 'PING latency');
    const ready = await fetch(admin + '/readyz');
    t.same([ready.status, await ready.json()], [200, { ready: true, reasons: [] }], 'the Redis source counts for readiness');
  });

  t.test('the console', async (t) => {
    const c = new pg.Client({ host: '127.0.0.1', port: gateway.postgresAddress!.port, user: ADMIN.name, password: ADMIN.password, database: 'pgbouncer' });
    await c.connect();
    t.teardown(() => c.end());
    const pools = records(await ask(c, 'SHOW POOLS'));
    t.match(pools.find((r) => r.database === 'cache'), { user: 'default', cl_active: 3, sv_active: 4, pool_mode: 'statement' });
    t.ok(pools.some((r) => r.database === 'app'), 'PostgreSQL pools are still listed');
    const clients = records(await ask(c, 'SHOW CLIENTS')).filter((r) => r.database === 'cache');
    t.equal(clients.length, 4);
    const multi = clients.find((r) => r.application_name === 'views-multi')!;
    t.match(multi, { type: 'C', user: 'default', state: 'active', addr: '127.0.0.1', local_port: port, ptr: /^0xd/, link: /^0x6/ });
    const servers = records(await ask(c, 'SHOW SERVERS')).filter((r) => r.database === 'cache');
    t.same(servers.map((r) => r.application_name).sort(), ['dedicated', 'shared', 'shared', 'subscriber']);
    const dedicated = servers.find((r) => r.application_name === 'dedicated')!;
    t.match(dedicated, { type: 'S', state: 'active', addr: REDIS_HOST, port: REDIS_PORT, link: multi.ptr });
    t.equal(multi.link, dedicated.ptr, 'client and server link to each other');
    const dbs = records(await ask(c, 'SHOW DATABASES'));
    t.match(dbs.find((r) => r.name === 'cache'), { host: REDIS_HOST, port: REDIS_PORT, database: '0', pool_size: 3, pool_mode: 'statement', disabled: 0 });
    const lists = Object.fromEntries((await ask(c, 'SHOW LISTS')).rows as [string, number][]);
    t.equal(lists.databases, 2, 'both sources');
    t.ok(records(await ask(c, 'SHOW USERS')).some((r) => r.name === 'default'), 'Redis users are users');
  });

  t.test('kill names a Redis client with ?protocol=redis', async (t) => {
    const target = (await get('/v1/clients')).find((c) => c.protocol === 'redis' && c.state === 'login')!;
    const res = await fetch(`${admin}/v1/clients/${String(target.id)}/kill?protocol=redis`, { method: 'POST' });
    t.same([res.status, await res.json()], [200, { id: target.id, killed: true }]);
    t.match(await login.read(() => login.closed), /closed by an operator/, 'the client is told why, then closed');
    const missing = await fetch(`${admin}/v1/clients/999999/kill?protocol=redis`, { method: 'POST' });
    t.same([missing.status, ((await missing.json()) as Row).code], [404, 'SLUICE_ADMIN_NOT_FOUND']);
    t.equal((await get('/v1/clients')).filter((c) => c.protocol === 'redis').length, 3, 'the others stay');
    const doc = await get<{ paths: Record<string, Record<string, { parameters: Row[] }>> }>('/v1/openapi.json');
    t.match(doc.paths['/v1/clients/{id}/kill']!.post!.parameters, [{ name: 'id', in: 'path', required: true }, { name: 'protocol', in: 'query', required: false, schema: { default: 'postgres' } }],
      'the document names the query parameter');
  });

  t.test('the status page shows the protocol and host health columns', async (t) => {
    const html = await (await fetch(admin + '/')).text();
    t.match(html, '<th>protocol</th>');
    t.match(html, "cell('protocol', tr.dataset.protocol)");
    t.match(html, 'healthBadge(h.health)');
    // The charts draw from the history, which samples the same stats rows.
    await until('a history sample with the Redis source', async () =>
      (await get<{ samples: { sources: Row[] }[] }>('/v1/stats/history')).samples.some((s) => s.sources.some((x) => x.source === 'cache')));
    t.pass('the Redis source is sampled for the charts');
  });
});

t.test('/readyz names a Redis source whose hosts are all unreachable', async (t) => {
  const closed = await freePortForTest();
  const s = await startRedisSluice({ top: 'admin: { listen: "127.0.0.1:0", auth: none }', omitHosts: true, extra: `hosts: [{ host: 127.0.0.1, port: ${closed} }]` });
  t.teardown(() => s.stop());
  const res = await fetch(`http://${s.gateway.adminAddress!.host}:${s.gateway.adminAddress!.port}/readyz`);
  t.equal(res.status, 503);
  t.match(await res.json(), { ready: false, reasons: [new RegExp(`^source "cache": no reachable host \\(127\\.0\\.0\\.1:${closed}: `)] });
});
