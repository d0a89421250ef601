import t from 'tap';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';

const POOL_LABELS = `{source="app",user="${TEST_ROLE}",protocol="postgres"}`;

async function get<T = unknown>(s: TestSluice, path: string): Promise<{ status: number; body: T; type: string }> {
  const res = await fetch(s.adminUrl + path);
  const type = res.headers.get('content-type') ?? '';
  const body = (type.includes('json') ? await res.json() : await res.text()) as T;
  return { status: res.status, body, type };
}

async function post<T = unknown>(s: TestSluice, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(s.adminUrl + path, { method: 'POST' });
  return { status: res.status, body: (await res.json()) as T };
}

/** Poll the admin API until `check` passes: the pool changes state without telling anyone. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

t.test('read endpoints and metrics after traffic', async (t) => {
  const s = await startSluice({ admin: true, size: 2 });
  t.teardown(() => s.stop());
  const c = new pg.Client({ connectionString: s.url(), application_name: 'admin-test' });
  await c.connect();
  t.teardown(() => c.end().catch(() => {}));
  for (let i = 0; i < 5; i++) await c.query('SELECT $1::int AS n', [i]);
  await c.query('BEGIN');
  await c.query('SELECT 1');
  await c.query('COMMIT');

  t.equal((await get(s, '/healthz')).status, 200);
  const ready = await get<{ ready: boolean; reasons: string[] }>(s, '/readyz');
  t.strictSame([ready.status, ready.body], [200, { ready: true, reasons: [] }]);

  const m = await get<string>(s, '/metrics');
  t.equal(m.status, 200);
  t.match(m.type, /text\/plain/);
  const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|NaN|[+-]Inf)$/;
  const bad = m.body.split('\n').filter((l) => l !== '' && !l.startsWith('# HELP ') && !l.startsWith('# TYPE ') && !sample.test(l));
  t.strictSame(bad, [], 'every line is valid exposition format');
  for (const series of ['sluice_transactions_total', 'sluice_queries_total', 'sluice_client_received_bytes_total', 'sluice_client_sent_bytes_total', 'sluice_pool_leases_total', 'sluice_transaction_seconds_total', 'sluice_query_seconds_total']) {
    t.ok(metricValue(m.body, series + POOL_LABELS) > 0, `${series} > 0`);
  }
  t.equal(metricValue(m.body, 'sluice_transactions_total' + POOL_LABELS), 6, 'five autocommit queries and one transaction block');
  t.equal(metricValue(m.body, 'sluice_queries_total' + POOL_LABELS), 8);
  t.equal(metricValue(m.body, `sluice_client_connections{source="app",user="${TEST_ROLE}",protocol="postgres",state="idle"}`), 1);
  t.equal(metricValue(m.body, `sluice_server_connections{source="app",user="${TEST_ROLE}",protocol="postgres",state="idle"}`), 1);
  t.equal(metricValue(m.body, 'sluice_pool_waiting_clients' + POOL_LABELS), 0);
  t.equal(metricValue(m.body, 'sluice_pool_oldest_wait_seconds' + POOL_LABELS), 0);
  t.equal(metricValue(m.body, 'sluice_host_up{source="app",host="127.0.0.1:5432",protocol="postgres"}'), 1);
  t.equal(metricValue(m.body, 'sluice_host_connections{source="app",host="127.0.0.1:5432",protocol="postgres"}'), 1);
  t.equal(metricValue(m.body, `sluice_server_connections_by_host{source="app",user="${TEST_ROLE}",host="127.0.0.1:5432",protocol="postgres",state="idle"}`), 1);
  t.equal(metricValue(m.body, 'sluice_host_info{source="app",host="127.0.0.1:5432",protocol="postgres",role="primary",zone=""}'), 1);
  t.match(m.body, /^sluice_errors_total\{source="app",user="sluice_test",protocol="postgres",code="SLUICE_POOL_TIMEOUT"\} 0$/m);
  const histogram = (name: string) => {
    const buckets = m.body.split('\n').filter((l) => l.startsWith(`${name}_bucket{source="app",user="${TEST_ROLE}",protocol="postgres",le=`)).map((l) => Number(l.split(' ')[1]));
    return { buckets, count: metricValue(m.body, `${name}_count${POOL_LABELS}`), sum: metricValue(m.body, `${name}_sum${POOL_LABELS}`) };
  };
  for (const [name, count] of [['sluice_transaction_duration_seconds', 6], ['sluice_query_duration_seconds', 8], ['sluice_pool_wait_seconds', metricValue(m.body, 'sluice_pool_leases_total' + POOL_LABELS)]] as const) {
    const h = histogram(name);
    t.equal(h.buckets.length, 17, `${name}: 16 bounds and +Inf`);
    t.equal(h.count, count, `${name}_count`);
    t.equal(h.buckets.at(-1), count, `${name}: +Inf bucket is the count`);
    t.ok(h.buckets.every((b, i) => i === 0 || b >= h.buckets[i - 1]!), `${name}: buckets are cumulative`);
    t.ok(name === 'sluice_pool_wait_seconds' ? h.sum >= 0 : h.sum > 0, `${name}_sum`);
  }
  t.match(m.body, /^# TYPE sluice_pool_wait_seconds histogram$/m);
  t.match(m.body, /^process_cpu_user_seconds_total /m, 'default process metrics');

  const pools = await get<Record<string, unknown>[]>(s, '/v1/pools');
  t.match(pools.body, [{ source: 'app', user: TEST_ROLE, mode: 'transaction', size: 2, clIdle: 1, clActive: 0, svIdle: 1, paused: false }]);
  const clients = await get<Record<string, unknown>[]>(s, '/v1/clients');
  t.match(clients.body, [{ source: 'app', user: TEST_ROLE, state: 'idle', addr: '127.0.0.1', applicationName: 'admin-test', serverId: null }]);
  const servers = await get<{ backendPid: number; state: string; host: string }[]>(s, '/v1/servers');
  t.equal(servers.body.length, 1);
  t.match(servers.body[0], { state: 'idle', host: '127.0.0.1:5432' });
  t.ok(servers.body[0]!.backendPid > 0);
  const hosts = await get(s, '/v1/hosts');
  t.match(hosts.body, [{ source: 'app', key: '127.0.0.1:5432', up: true, disabled: false, connections: 1, lastError: null }]);
  const stats = await get<Record<string, number>[]>(s, '/v1/stats');
  t.match(stats.body, [{ source: 'app', transactions: 6, queries: 8 }]);
  t.ok(stats.body[0]!.avgQueryTimeUs! > 0 && stats.body[0]!.bytesIn! > 0 && stats.body[0]!.bytesOut! > 0);
  const config = await get<{ sources: { app: { users: { password: string }[] } } }>(s, '/v1/config');
  t.equal(config.body.sources.app.users[0]!.password, '[redacted]', 'secrets masked');
  t.match((await get(s, '/v1/version')).body, { name: 'sluice', version: String });

  const doc = await get<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(s, '/v1/openapi.json');
  t.equal(doc.body.openapi, '3.1.0');
  const listed = Object.entries(doc.body.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
  t.strictSame(listed, [
    'GET /', 'GET /healthz', 'GET /metrics', 'GET /readyz',
    'GET /v1/catalog/search', 'GET /v1/clients', 'GET /v1/config',
    'GET /v1/discovery/runs', 'GET /v1/discovery/runs/{id}', 'GET /v1/discovery/sources', 'GET /v1/discovery/status',
    'GET /v1/hosts', 'GET /v1/openapi.json', 'GET /v1/pools', 'GET /v1/redis', 'GET /v1/servers',
    'GET /v1/sources/{name}/catalog', 'GET /v1/sources/{name}/changes',
    'GET /v1/stats', 'GET /v1/stats/history', 'GET /v1/version',
    'POST /v1/clients/{id}/kill',
    'POST /v1/discovery/runs/{id}/pause', 'POST /v1/discovery/runs/{id}/resume',
    'POST /v1/hosts/{source}/{key}/disable', 'POST /v1/hosts/{source}/{key}/enable',
    'POST /v1/reload',
    'POST /v1/sources/{name}/discover', 'POST /v1/sources/{name}/pause', 'POST /v1/sources/{name}/reconnect', 'POST /v1/sources/{name}/resume',
  ], 'every route is documented');
  t.match(doc.body.paths['/v1/pools']!.get, { responses: { 200: { content: { 'application/json': { schema: { type: 'array' } } } } } });

  const missing = await post<{ code: string }>(s, '/v1/sources/nope/pause');
  t.strictSame([missing.status, missing.body.code], [404, 'SLUICE_ADMIN_NOT_FOUND']);
  const badId = await post<{ code: string }>(s, '/v1/clients/abc/kill');
  t.strictSame([badId.status, badId.body.code], [400, 'SLUICE_ADMIN_BAD_REQUEST']);
});

t.test('readyz is 503 with a reason when the only host is down', async (t) => {
  const port = await closedPort();
  const s = await startSluice({ admin: true, port, pool: { query_wait_timeout: '300ms', server_login_retry: '50ms' } });
  t.teardown(() => s.stop());
  const before = await get<{ ready: boolean; reasons: string[] }>(s, '/readyz');
  t.equal(before.status, 503, 'a probe finds nothing listening before any pool tried');
  t.equal(before.body.ready, false);
  t.match(before.body.reasons, [new RegExp(`source "app": no reachable host \\(127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`)]);

  const c = new pg.Client(s.url());
  await t.rejects(c.connect(), 'the login cannot reach a server');
  const after = await get<{ reasons: string[] }>(s, '/readyz');
  t.equal(after.status, 503);
  t.match(after.body.reasons, [/source "app": no reachable host .*cannot connect/]);
  const m = (await get<string>(s, '/metrics')).body;
  t.equal(metricValue(m, `sluice_host_up{source="app",host="127.0.0.1:${port}",protocol="postgres"}`), 0);
  t.ok(metricValue(m, `sluice_errors_total{source="app",user="${TEST_ROLE}",protocol="postgres",code="SLUICE_SERVER_CONNECT"}`) > 0);
  t.equal(metricValue(m, 'sluice_errors_total{source="app",user="",protocol="postgres",code="SLUICE_LOGIN_FAILED"}'), 1);
  t.match((await get(s, '/v1/hosts')).body, [{ up: false, lastError: /cannot connect/ }]);
});

t.test('pause holds new transactions until resume', async (t) => {
  const s = await startSluice({ admin: true, size: 2 });
  t.teardown(() => s.stop());
  const c = new pg.Client(s.url());
  await c.connect();
  t.teardown(() => c.end().catch(() => {}));
  const paused = await post<{ pools: { paused: boolean }[] }>(s, '/v1/sources/app/pause');
  t.equal(paused.status, 200);
  t.match(paused.body.pools, [{ paused: true }]);
  let done = false;
  const q = c.query('SELECT 42 AS n').then((r) => { done = true; return r; });
  await until(async () => (await get<{ clWaiting: number }[]>(s, '/v1/pools')).body[0]!.clWaiting === 1, 'the client to wait');
  t.equal(done, false, 'the query waits while paused');
  t.match((await get<{ state: string }[]>(s, '/v1/clients')).body, [{ state: 'waiting' }]);
  const resumed = await post<{ pools: { paused: boolean }[] }>(s, '/v1/sources/app/resume');
  t.match(resumed.body.pools, [{ paused: false }]);
  t.equal((await q).rows[0].n, 42, 'the query runs after resume');
});

t.test('reconnect retires servers: backend pids change', async (t) => {
  const s = await startSluice({ admin: true, size: 2 });
  t.teardown(() => s.stop());
  const c = new pg.Client(s.url());
  await c.connect();
  t.teardown(() => c.end().catch(() => {}));
  const pid1 = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  t.match((await get<{ backendPid: number }[]>(s, '/v1/servers')).body, [{ backendPid: pid1 }]);
  t.equal((await post(s, '/v1/sources/app/reconnect')).status, 200);
  const pid2 = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  t.not(pid2, pid1, 'a new server connection serves the client');
  t.notOk((await get<{ backendPid: number }[]>(s, '/v1/servers')).body.some((v) => v.backendPid === pid1), 'the old one is gone');
});

t.test('kill closes that client only', async (t) => {
  const s = await startSluice({ admin: true, size: 2 });
  t.teardown(() => s.stop());
  const victim = new pg.Client({ connectionString: s.url(), application_name: 'victim' });
  const other = new pg.Client({ connectionString: s.url(), application_name: 'other' });
  await victim.connect();
  await other.connect();
  t.teardown(() => other.end().catch(() => {}));
  victim.on('error', () => {});
  const gone = new Promise<void>((r) => victim.once('end', () => r()));
  const id = (await get<{ id: number; applicationName: string }[]>(s, '/v1/clients')).body.find((c) => c.applicationName === 'victim')!.id;
  t.strictSame((await post(s, `/v1/clients/${id}/kill`)).body, { id, killed: true });
  await gone;
  t.equal((await other.query('SELECT 1 AS n')).rows[0].n, 1, 'the other client is untouched');
  await until(async () => (await get<unknown[]>(s, '/v1/clients')).body.length === 1, 'the killed client to leave');
  t.equal((await post<{ code: string }>(s, `/v1/clients/${id}/kill`)).status, 404, 'killing it again: no such client');
});

t.test('disable and enable a host', async (t) => {
  const s = await startSluice({ admin: true, size: 2, pool: { query_wait_timeout: '500ms' } });
  t.teardown(() => s.stop());
  const c = new pg.Client(s.url());
  await c.connect();
  c.on('error', () => {});
  const key = encodeURIComponent('127.0.0.1:5432');
  const disabled = await post<{ disabled: boolean }>(s, `/v1/hosts/app/${key}/disable`);
  t.strictSame([disabled.status, disabled.body.disabled], [200, true]);
  await post(s, '/v1/sources/app/reconnect');
  await t.rejects(c.query('SELECT 1'), /no server connection available|no host available/, 'no new connection to a disabled host');
  const ready = await get<{ reasons: string[] }>(s, '/readyz');
  t.match(ready, { status: 503, body: { reasons: [/every host is disabled/] } });
  const enabled = await post<{ disabled: boolean }>(s, `/v1/hosts/app/${key}/enable`);
  t.equal(enabled.body.disabled, false);
  const c2 = new pg.Client(s.url());
  await c2.connect();
  t.equal((await c2.query('SELECT 1 AS n')).rows[0].n, 1, 'connections open again once enabled');
  await c2.end();
  t.equal((await post(s, `/v1/hosts/app/${encodeURIComponent('10.0.0.1:5432')}/disable`)).status, 404);
});

t.test('reload re-reads the file and applies a new pool size', async (t) => {
  const s = await startSluice({ admin: true, size: 2 });
  t.teardown(() => s.stop());
  writeFileSync(s.configFile, s.yaml.replace('size: 2', 'size: 7'));
  const res = await post<{ changes: string[] }>(s, '/v1/reload');
  t.equal(res.status, 200);
  t.match(res.body.changes, [/sources\.app\.pool\.size: 2 → 7/]);
  t.match((await get(s, '/v1/pools')).body, [{ size: 7 }]);
  writeFileSync(s.configFile, 'sources: {}\n');
  const bad = await post<{ code: string; issues: string[] }>(s, '/v1/reload');
  t.strictSame([bad.status, bad.body.code], [400, 'SLUICE_CONFIG_INVALID']);
  t.ok(bad.body.issues.length > 0);
  t.match((await get(s, '/v1/pools')).body, [{ size: 7 }], 'a rejected reload leaves the running configuration');
});
