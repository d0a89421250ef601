/**
 * Redis host health in the tracker PostgreSQL hosts use: PING latency and ROLE from probes,
 * seen in /v1/hosts and /metrics; a replica that goes down is ejected and reads go to the
 * primary. The replica is a redis-server of the test's own, replicating the machine's Redis.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import type { HealthState, ObservedRole } from '../../src/health/types.js';
import { RawRedis, REDIS_HOST, REDIS_PORT, resp, startRedisSluice } from '../helpers/redis-sluice.js';
import { startRedisServer } from '../helpers/redis-server.js';

const P = `sluice-test:health:${process.pid}:`;
const PRIMARY = `${REDIS_HOST}:${REDIS_PORT}`;

interface HostRow { source: string; key: string; role: string; protocol: string; health: { state: HealthState; observedRole: ObservedRole; latencyEwmaMs: number; ejections: number } }

/** Poll until `check` holds: probes run on their own schedule. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('probes, a role change and a replica that goes down', async (t) => {
  const replica = await startRedisServer(t, { replicaOfLocal: true });
  const REPLICA = `127.0.0.1:${replica.port}`;
  const s = await startRedisSluice({
    top: 'admin: { listen: "127.0.0.1:0", auth: none }',
    extra: `read_from: replica\n    hosts: [{ host: ${REDIS_HOST}, port: ${REDIS_PORT}, role: primary }, { host: 127.0.0.1, port: ${replica.port}, role: replica }]`,
    omitHosts: true,
  });
  t.teardown(() => s.stop());
  const admin = `http://${s.gateway.adminAddress!.host}:${s.gateway.adminAddress!.port}`;
  const hosts = async (): Promise<Map<string, HostRow>> =>
    new Map(((await (await fetch(`${admin}/v1/hosts`)).json()) as HostRow[]).filter((h) => h.source === 'cache').map((h) => [h.key, h]));
  const metrics = async (): Promise<string[]> => (await (await fetch(`${admin}/metrics`)).text()).split('\n');
  const replicaHealth = s.gateway.redis.sources.get('cache')!.source.hosts.find(REPLICA)!.health;

  await until('a probe of both hosts', async () => [...(await hosts()).values()].every((h) => h.health.latencyEwmaMs > 0));
  let view = await hosts();
  t.match(view.get(PRIMARY), { protocol: 'redis', role: 'primary', health: { state: 'healthy', observedRole: 'primary' } });
  t.match(view.get(REPLICA), { protocol: 'redis', role: 'replica', health: { state: 'healthy', observedRole: 'replica' } });
  t.ok((await metrics()).includes(`sluice_host_role{source="cache",host="${REPLICA}",protocol="redis",role="replica"} 1`), 'ROLE on /metrics');

  const c = await RawRedis.connect(s.port);
  t.teardown(() => c.close());
  c.write(resp('SET', `${P}k`, 'v'));
  t.equal(await c.read((x) => x.endsWith('\r\n')), '+OK\r\n');
  let value = '';
  await until('the read to be answered by the replica', async () => {
    c.write(resp('GET', `${P}k`));
    value = await c.read((x) => /^(?:\$-1\r\n|\$\d+\r\n[^\r]*\r\n)$/.test(x));
    return value === '$1\r\nv\r\n';
  });
  t.match(await replica.direct.call('CLIENT', 'LIST') as string, /name=sluice-cache-shared-replica /, 'reads go to the replica while it is up');

  // ROLE, not the configuration, says what the host is now.
  const promoted = new Promise<[ObservedRole, ObservedRole]>((resolve) => replicaHealth.listen({ roleChanged: (_, from, to) => resolve([from, to]) }));
  await replica.direct.call('REPLICAOF', 'NO', 'ONE');
  t.same(await promoted, ['replica', 'primary'], 'a probe saw the replica promoted');
  view = await hosts();
  t.match(view.get(REPLICA), { role: 'replica', health: { observedRole: 'primary' } }, '/v1/hosts shows the role the host reports');

  const down = new Promise<void>((resolve) => replicaHealth.listen({ stateChanged: (_, _from, to) => { if (to === 'down') resolve(); } }));
  await replica.kill();
  await down;
  view = await hosts();
  t.match(view.get(REPLICA), { health: { state: 'down' } });
  t.ok(view.get(REPLICA)!.health.ejections >= 1);
  t.match(view.get(PRIMARY), { health: { state: 'healthy' } }, 'the primary is not blamed');
  const lines = await metrics();
  t.ok(lines.includes(`sluice_host_state{source="cache",host="${REPLICA}",protocol="redis",state="down"} 1`), 'down on /metrics');

  // Reads no longer wait for the dead replica: the primary serves them, for old and new clients.
  c.write(resp('GET', `${P}k`));
  t.equal(await c.read((x) => x.endsWith('\r\n') && x.length >= 7), '$1\r\nv\r\n', 'a client that read from the replica before');
  const fresh = new Redis({ port: s.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  fresh.on('error', () => {});
  await fresh.connect();
  t.teardown(() => fresh.disconnect());
  t.equal(await fresh.get(`${P}k`), 'v', 'a new client');
  t.equal(await fresh.del(`${P}k`), 1);
});
