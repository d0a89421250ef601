// Routing over a real primary and two streaming replicas (issue 4 item 6): read/write split,
// a slow replica, a lagging one, a killed one, and a failover by `pg_ctl promote`.
import t from 'tap';
import pg from 'pg';
import pino from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import type { PgSource } from '../../src/proxy/postgres/pg-source.js';
import type { RoutedHost } from '../../src/router/host-set.js';
import { startDelayRelay, type DelayRelay } from '../helpers/delay-relay.js';
import { REPL_DATABASE, REPL_PASSWORD, REPL_USER, startReplicatedCluster, type ReplicatedCluster } from '../helpers/replication.js';

const PORT_SQL = "SELECT current_setting('port') AS port";
const ROUTING = '{ read_write_split: true, replica_lag_max: 1s, primary_reads: fallback, failover_timeout: 30s }';

let cluster: ReplicatedCluster;
/** In front of replica 1, so the tests can slow it down. */
let relay: DelayRelay;
let gateway: Gateway;
let source: PgSource;
let url: string;
let yamlWith: (routing: string) => string;

t.before(async () => {
  cluster = await startReplicatedCluster(2);
  relay = await startDelayRelay(cluster.replicas[1]!.port);
  yamlWith = (routing) => `
listeners:
  postgres: { listen: "127.0.0.1:0" }
sources:
  app:
    kind: postgres
    database: ${REPL_DATABASE}
    auth: trust
    pool: { mode: transaction, size: 4, server_login_retry: 100ms }
    hosts:
      - { host: 127.0.0.1, port: ${cluster.primary.port}, role: auto, zone: "dc:a" }
      - { host: 127.0.0.1, port: ${cluster.replicas[0]!.port}, role: auto, zone: "dc:a" }
      - { host: 127.0.0.1, port: ${relay.port}, role: auto, zone: "dc:b" }
    users: [{ name: ${REPL_USER}, password: ${REPL_PASSWORD} }]
    routing: ${routing}
    health: { probe_interval: 200ms, probe_timeout: 1s }
`;
  gateway = new Gateway(await parseConfig(yamlWith(ROUTING), 'routing-test'), pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }));
  await gateway.start();
  source = gateway.postgres!.sources.get('app')!;
  url = `postgres://${REPL_USER}:${REPL_PASSWORD}@127.0.0.1:${gateway.postgresAddress!.port}/app`;
  await until(() => roles() === 'primary,replica,replica', 'every host probed');
});

t.teardown(async () => {
  await gateway?.shutdown(2000);
  await relay?.close();
  await cluster?.destroy();
});

const hosts = (): RoutedHost[] => source.hosts.hosts;
const roles = (): string => hosts().map((h) => h.health.role).join(',');
const replica1Port = (): string => String(cluster.replicas[1]!.port);

/** Poll a condition the probes settle; they report no event for lag or latency. */
async function until(ok: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${hosts().map((h) => `${h.key} ${h.health.state} ${h.health.role} lag=${h.health.lagSeconds}`).join('; ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Run `count` statements over `clients` connections; the server port of each answer, tallied. */
async function tally(sql: string, count: number, clients = 4): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const conns = await Promise.all(Array.from({ length: clients }, async () => {
    const c = new pg.Client({ connectionString: url });
    // A connection left open by a failed assertion gets Sluice's shutdown notice at teardown.
    c.on('error', () => undefined);
    await c.connect();
    return c;
  }));
  let next = 0;
  await Promise.all(conns.map(async (c) => {
    while (next < count) {
      next++;
      // A text of several statements answers with one result each; the port is in one of them.
      const answer: pg.QueryResult<{ port?: string }> | pg.QueryResult<{ port?: string }>[] = await c.query(sql);
      const port = (Array.isArray(answer) ? answer : [answer]).map((r) => r.rows[0]?.port).find((p) => p !== undefined)!;
      seen.set(port, (seen.get(port) ?? 0) + 1);
    }
  }));
  await Promise.all(conns.map((c) => c.end()));
  return seen;
}

const portOf = (n: { port: number }): string => String(n.port);

t.test('reads spread over the replicas, writes and unsure work go to the primary', async (t) => {
  const primary = portOf(cluster.primary);
  const reads = await tally(PORT_SQL, 200);
  t.equal(reads.get(primary), undefined, 'no read on the primary while replicas serve (primary_reads fallback)');
  t.ok((reads.get(portOf(cluster.replicas[0]!)) ?? 0) > 0 && (reads.get(replica1Port()) ?? 0) > 0, `both replicas read: ${JSON.stringify([...reads])}`);

  const writes = await tally(`INSERT INTO items (v) VALUES ('w') RETURNING current_setting('port') AS port`, 20);
  t.strictSame([...writes.keys()], [primary], 'every write on the primary');
  t.strictSame([...(await tally(`SELECT nextval('items_id_seq'), current_setting('port') AS port`, 4)).keys()], [primary], 'nextval is a write');
  t.strictSame([...(await tally(`SELECT id, current_setting('port') AS port FROM items LIMIT 1 FOR UPDATE`, 4)).keys()], [primary], 'FOR UPDATE is a write');
  t.strictSame([...(await tally(`/* sluice:primary */ ${PORT_SQL}`, 4)).keys()], [primary], 'the primary override');
  const readOnly = await tally(`BEGIN READ ONLY; ${PORT_SQL}; COMMIT`, 8);
  t.notOk(readOnly.has(primary), 'BEGIN READ ONLY goes to a replica');

  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('SET sluice.route = primary');
  const pinned = new Set<string>();
  for (let i = 0; i < 6; i++) pinned.add((await c.query<{ port: string }>(PORT_SQL)).rows[0]!.port);
  t.strictSame([...pinned], [primary], 'SET sluice.route = primary holds for the session');
  await c.query('RESET sluice.route');
  t.not((await c.query<{ port: string }>(PORT_SQL)).rows[0]!.port, primary, 'RESET sluice.route: back to the replicas');
  // Extended protocol: Parse judged by its text; a named statement's later Binds by the text it was prepared with.
  const extended = new Set<string>();
  for (let i = 0; i < 4; i++) {
    extended.add((await c.query<{ port: string }>(`${PORT_SQL} WHERE $1::int = 1`, [1])).rows[0]!.port);
    extended.add((await c.query<{ port: string }>({ name: 'port_read', text: `${PORT_SQL} WHERE $1::int = 1`, values: [1] })).rows[0]!.port);
  }
  t.notOk(extended.has(primary), 'extended-protocol reads, named or not, go to replicas');
  const named = await c.query<{ port: string }>({ name: 'port_write', text: `INSERT INTO items (v) VALUES ($1) RETURNING current_setting('port') AS port`, values: ['x'] });
  const again = await c.query<{ port: string }>({ name: 'port_write', text: `INSERT INTO items (v) VALUES ($1) RETURNING current_setting('port') AS port`, values: ['y'] });
  t.strictSame([named.rows[0]!.port, again.rows[0]!.port], [primary, primary], 'a prepared write stays on the primary');
  await c.end();
});

t.test("25006 from a client's own BEGIN READ ONLY on the primary leaves it primary", async (t) => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('SET sluice.route = primary');
  await c.query('BEGIN READ ONLY');
  await t.rejects(c.query(`INSERT INTO items (v) VALUES ('read-only')`), { code: '25006' });
  await c.query('ROLLBACK');
  await c.query('RESET sluice.route');
  await c.end();
  t.equal(roles(), 'primary,replica,replica', 'the error alone changes no role (it asks for a probe)');
  const writes = await tally(`INSERT INTO items (v) VALUES ('after 25006') RETURNING current_setting('port') AS port`, 4);
  t.strictSame([...writes.keys()], [portOf(cluster.primary)], 'writes go on to the primary, no failover wait');
});

t.test('a slow replica gets proportionally less work, without being ejected', async (t) => {
  relay.delayMs = 20;
  t.teardown(() => { relay.delayMs = 0; });
  // Let the probes carry the delay into the EWMA before measuring.
  const slow = hosts()[2]!;
  await until(() => slow.health.latencyEwma > 10, 'the slow replica measured slow');
  const reads = await tally(PORT_SQL, 200);
  const fast = reads.get(portOf(cluster.replicas[0]!)) ?? 0;
  const slowReads = reads.get(replica1Port()) ?? 0;
  t.comment(`reads fast:slow = ${fast}:${slowReads}`);
  t.ok(fast >= 5 * Math.max(slowReads, 1), `at least 5:1 toward the fast replica (${fast}:${slowReads})`);
  t.equal(slow.health.state, 'healthy', 'the slow replica was never ejected');
  t.equal(slow.health.snapshot().ejections, 0);
});

t.test('a replica lagging beyond replica_lag_max takes no reads until it catches up', async (t) => {
  const lagging = cluster.replicas[1]!;
  // Lag is measured from the last replayed commit; until the replica has replayed one it is unknown (and not excluded).
  await tally(`INSERT INTO items (v) VALUES ('before-lag') RETURNING current_setting('port') AS port`, 1, 1);
  for (let deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 50))) {
    const [row] = await lagging.query<{ replayed: boolean }>('SELECT pg_last_xact_replay_timestamp() IS NOT NULL AS replayed');
    if (row?.replayed === true) break;
    if (Date.now() > deadline) throw new Error('the replica replayed no commit within 30 s');
  }
  await lagging.query('SELECT pg_wal_replay_pause()');
  await tally(`INSERT INTO items (v) VALUES ('lag') RETURNING current_setting('port') AS port`, 1, 1);
  const host = hosts()[2]!;
  await until(() => (host.health.lagSeconds ?? 0) > 1, 'the replica reported lagging');
  const during = await tally(PORT_SQL, 40);
  t.equal(during.get(replica1Port()), undefined, `no read on the lagging replica: ${JSON.stringify([...during])}`);
  await lagging.query('SELECT pg_wal_replay_resume()');
  // Back in the running once caught up and healthy again (a degraded host ranks below a healthy one).
  await until(() => host.health.lagSeconds !== null && host.health.lagSeconds <= 1 && host.health.state === 'healthy', 'the replica caught up');
  // Enough concurrent clients that in-flight work spreads reads over both replicas whatever their latency EWMAs.
  const after = await tally(PORT_SQL, 400, 12);
  t.ok((after.get(replica1Port()) ?? 0) > 0, `reads come back to it: ${JSON.stringify([...after])}`);
});

t.test('prefer_zones: reads stay in the first zone with a healthy replica; a reload applies it', async (t) => {
  await gateway.reload(await parseConfig(yamlWith('{ read_write_split: true, prefer_zones: ["dc:b"] }'), 'routing-test'));
  // Two clients never saturate the zone's pool of 4, so nothing spills to the next tier.
  t.strictSame([...(await tally(PORT_SQL, 30, 2)).keys()], [replica1Port()], 'every read in zone dc:b');
  await gateway.reload(await parseConfig(yamlWith(ROUTING), 'routing-test'));
  const spread = await tally(PORT_SQL, 200);
  t.ok(spread.has(portOf(cluster.replicas[0]!)), `back to both zones: ${JSON.stringify([...spread])}`);
});

t.test('a killed replica: work not yet sent moves to the other replica, no client error', async (t) => {
  await cluster.replicas[1]!.stop();
  const reads = await tally(PORT_SQL, 60);
  t.strictSame([...reads.keys()], [portOf(cluster.replicas[0]!)], 'every read on the remaining replica, none failed');
  await until(() => hosts()[2]!.health.state !== 'healthy', 'the killed replica ejected');
});

t.test('failover: writes wait while there is no primary and go to the promoted replica', async (t) => {
  const promoted = cluster.replicas[0]!;
  await cluster.primary.stop();
  // Writes sent now find no primary: they wait instead of failing.
  const started = tally(`INSERT INTO items (v) VALUES ('failover') RETURNING current_setting('port') AS port`, 20);
  await until(() => source.roster.failover.primary === null, 'the primary lost');
  const promotedAt = performance.now();
  await promoted.promote();
  const first = await tally(`INSERT INTO items (v) VALUES ('first') RETURNING current_setting('port') AS port`, 1, 1);
  t.comment(`write gap after pg_ctl promote returned: ${(performance.now() - promotedAt).toFixed(0)} ms; tracker gap ${source.roster.failover.lastGapMs} ms`);
  t.strictSame([...first.keys()], [portOf(promoted)]);
  const waited = await started;
  t.strictSame([...waited.keys()], [portOf(promoted)], 'every waiting write committed on the new primary, none failed');
  t.equal(source.roster.failover.failovers, 1);
  // The old primary and one replica are gone: reads fall back to the new primary (primary_reads fallback).
  t.strictSame([...(await tally(PORT_SQL, 10)).keys()], [portOf(promoted)], 'reads fall back to the primary');
});

t.test('with no primary for failover_timeout, a waiting write fails unsent with 57P03', async (t) => {
  await gateway.reload(await parseConfig(yamlWith('{ read_write_split: true, failover_timeout: 300ms }'), 'routing-test'));
  await cluster.replicas[0]!.stop();
  await until(() => source.roster.failover.primary === null, 'the last primary lost');
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  await t.rejects(c.connect().then(() => c.query(`INSERT INTO items (v) VALUES ('never')`)), { code: '57P03', message: /failover_timeout \(300 ms\); the write was not sent/ });
  await c.end().catch(() => undefined);
});
