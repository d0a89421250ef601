// A source with one host gets the failover wait too (issue 4 item 5): while its host is down,
// a new transaction waits up to failover_timeout for it to come back instead of failing, and
// gets 57P03 with nothing sent when it does not.
import t from 'tap';
import pg from 'pg';
import pino from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import type { RoutedHost } from '../../src/router/host-set.js';
import { REPL_DATABASE, REPL_PASSWORD, REPL_USER, startReplicatedCluster, type ReplicatedCluster } from '../helpers/replication.js';

let cluster: ReplicatedCluster;
let gateway: Gateway;
let host: RoutedHost;
let url: string;
let yamlWith: (failoverTimeout: string) => string;

async function until(ok: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: host ${host.health.state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.before(async () => {
  cluster = await startReplicatedCluster(0);
  yamlWith = (failoverTimeout) => `
listeners:
  postgres: { listen: "127.0.0.1:0" }
sources:
  app:
    kind: postgres
    database: ${REPL_DATABASE}
    auth: trust
    pool: { mode: transaction, size: 2, server_login_retry: 100ms }
    hosts:
      - { host: 127.0.0.1, port: ${cluster.primary.port} }
    users: [{ name: ${REPL_USER}, password: ${REPL_PASSWORD} }]
    routing: { failover_timeout: ${failoverTimeout} }
    health: { probe_interval: 200ms, probe_timeout: 1s }
`;
  gateway = new Gateway(await parseConfig(yamlWith('30s'), 'single-host-test'), pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }));
  await gateway.start();
  const source = gateway.postgres!.sources.get('app')!;
  t.equal(source.routed, false, 'one host: not routed');
  host = source.hosts.hosts[0]!;
  url = `postgres://${REPL_USER}:${REPL_PASSWORD}@127.0.0.1:${gateway.postgresAddress!.port}/app`;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('CREATE TABLE waits (v text)');
  await c.end();
  // The cluster runs without synchronous commit and is stopped as in a crash: make the table durable first.
  await cluster.primary.query('CHECKPOINT');
});

t.teardown(async () => {
  await gateway?.shutdown(2000);
  await cluster?.destroy();
});

t.test('a transaction started while the host is down waits for its restart and succeeds', async (t) => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  t.teardown(() => c.end());
  await c.query('SELECT 1');
  await cluster.primary.stop();
  await until(() => host.health.state === 'down', 'the host to be marked down');
  let settled = false;
  const write = c.query("INSERT INTO waits (v) VALUES ('after restart')").finally(() => { settled = true; });
  await new Promise((r) => setTimeout(r, 500));
  t.equal(settled, false, 'waiting, not failed');
  const restarted = performance.now();
  await cluster.primary.start();
  const result = await write;
  t.equal(result.rowCount, 1, 'the transaction ran once the host was back');
  t.comment(`committed ${(performance.now() - restarted).toFixed(0)} ms after pg_ctl start returned`);
  t.equal(host.health.state, 'healthy');
});

t.test('no host within failover_timeout: 57P03, nothing sent', async (t) => {
  await gateway.reload(await parseConfig(yamlWith('400ms'), 'single-host-test'));
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('SELECT 1');
  await cluster.primary.stop();
  await until(() => host.health.state === 'down', 'the host to be marked down');
  await t.rejects(c.query("INSERT INTO waits (v) VALUES ('never')"), { code: '57P03', message: /did not come back within failover_timeout \(400 ms\); the transaction was not sent/ });
  await c.end().catch(() => undefined);
  await cluster.primary.start();
  await until(() => host.health.state === 'healthy', 'the host to come back');
  const check = new pg.Client({ connectionString: url });
  await check.connect();
  t.same((await check.query("SELECT count(*)::int AS n FROM waits WHERE v = 'never'")).rows, [{ n: 0 }], 'the failed write never ran');
  await check.end();
});
