/**
 * Connections that go away at the wrong moment. A client gone mid-transaction (or mid
 * extended-protocol batch, before Sync) must not leave its server to the next client with
 * its work half done; a server gone mid-transaction gives its client a connection error and
 * the pool recovers. Runs as its own role so backend counts see no other test's connections.
 */
import t from 'tap';
import type { Test } from 'tap';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSluice } from '../helpers/sluice.js';
import { adminQuery, countBackends, ensureRoleAndDb, waitForBackends } from '../helpers/postgres.js';
import { firstError, RawClient, rows, serialize } from '../helpers/raw-client.js';

const ROLE = 'sluice_pt_gone';
const PASSWORD = 'gone-pass';
const login = { user: ROLE, password: PASSWORD };

t.before(async () => {
  await ensureRoleAndDb(ROLE, PASSWORD);
  await adminQuery(`select pg_terminate_backend(pid) from pg_stat_activity where usename = $1`, [ROLE]);
});

async function sluice(t: Test, size: number) {
  const s = await startSluice({ size, user: ROLE, password: PASSWORD, database: ROLE, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const setup = await RawClient.login(s.port, login);
  await setup.query('create table if not exists gone_rows(id int)');
  await setup.query('truncate gone_rows');
  await setup.end();
  t.teardown(async () => {
    const c = await RawClient.login(s.port, login);
    await c.query('drop table if exists gone_rows');
    await c.end();
  });
  return s;
}

async function clean(t: Test, b: RawClient, what: string): Promise<void> {
  const begin = await b.query('begin');
  t.notOk(begin.find((m) => m.name === 'notice'), `${what}: BEGIN finds no transaction in progress`);
  t.equal(begin.at(-1)!.status, 'T');
  t.same(rows(await b.query('select count(*) from gone_rows')), [['0']], `${what}: nothing of the gone client's was committed`);
  t.equal((await b.query('rollback')).at(-1)!.status, 'I');
}

t.test('client gone mid-transaction: its server is not handed on dirty', async (t) => {
  const s = await sluice(t, 1);
  const a = await RawClient.login(s.port, login);
  const [[pidA]] = rows(await a.query('begin; insert into gone_rows values (1); select pg_backend_pid()'));
  a.destroy();
  await a.closed;

  const b = await RawClient.login(s.port, login);
  t.teardown(() => b.end());
  await clean(t, b, 'simple query');
  const [[pidB]] = rows(await b.query('select pg_backend_pid()'));
  t.not(pidB, pidA, 'the dirty server was closed, not reused');
  const [{ n }] = await adminQuery<{ n: number }>("select count(*)::int as n from pg_stat_activity where usename = $1 and state like 'idle in transaction%'", [ROLE]);
  t.equal(n, 0, 'no idle-in-transaction backend is left');
  t.equal(await waitForBackends({ usename: ROLE }, 1), 1, 'backends within the pool size');
});

t.test('client gone after Execute but before Sync: the implicit transaction is not committed by the next client', async (t) => {
  const s = await sluice(t, 1);
  const a = await RawClient.login(s.port, login);
  a.write(serialize.parse({ text: 'insert into gone_rows values (2)' }), serialize.bind(), serialize.execute(), serialize.flush());
  await a.until('commandComplete');
  a.destroy();
  await a.closed;

  const b = await RawClient.login(s.port, login);
  t.teardown(() => b.end());
  t.same(rows(await b.query('select count(*) from gone_rows')), [['0']], 'the insert was rolled back');
  await clean(t, b, 'extended');
});

t.test('client gone mid-message and mid-query', async (t) => {
  const s = await sluice(t, 1);
  // Half a Query message inside a transaction, then gone.
  const a = await RawClient.login(s.port, login);
  await a.query('begin; insert into gone_rows values (3)');
  const q = serialize.query('select 1');
  a.write(q.subarray(0, 4));
  await sleep(50);
  a.destroy();

  // A long query, then gone while it runs.
  const c = await RawClient.login(s.port, login);
  c.write(serialize.query('select pg_sleep(0.3)'));
  await sleep(50);
  c.destroy();

  const b = await RawClient.login(s.port, login);
  t.teardown(() => b.end());
  await clean(t, b, 'mid-message');
  t.same(rows(await b.query('select 1')), [['1']]);
});

t.test('server gone mid-transaction: the client gets a connection error, the pool recovers', async (t) => {
  const s = await sluice(t, 2);
  const a = await RawClient.login(s.port, login);
  const [[pid]] = rows(await a.query('begin; select pg_backend_pid()'));
  await adminQuery('select pg_terminate_backend($1)', [Number(pid)]);
  t.ok(await a.waitClosed(5000), 'Sluice closes the client whose server died');
  const errors = a.received.filter((m) => m.name === 'error');
  t.ok(errors.length >= 1, 'the client was told');
  t.ok(errors.every((e) => e.code === '57P01' || e.code!.startsWith('08')), `codes: ${errors.map((e) => e.code).join(', ')}`);
  t.ok(errors.some((e) => e.code!.startsWith('08')), 'Sluice adds a class 08 connection error');

  // Mid-query, seen by node-postgres.
  const p = new pg.Client(s.url(login));
  p.on('error', () => {});
  await p.connect();
  const running = p.query('select pg_sleep(10)').then(() => null, (e: { code?: string }) => e);
  await sleep(200);
  const [busy] = await adminQuery<{ pid: number }>("select pid from pg_stat_activity where usename = $1 and query = 'select pg_sleep(10)' and state = 'active'", [ROLE]);
  t.ok(busy, 'the query runs on a server');
  await adminQuery('select pg_terminate_backend($1)', [busy!.pid]);
  const err = await running;
  t.ok(err && (err.code === '57P01' || err.code?.startsWith('08')), `query fails with ${err?.code}`);
  await p.end().catch(() => {});

  // The pool replaces what it lost.
  const c = new pg.Client(s.url(login));
  await c.connect();
  t.teardown(() => c.end());
  t.same((await c.query('select 1 as one')).rows, [{ one: 1 }]);
  t.ok(await countBackends({ usename: ROLE }) <= 2, 'backends within the pool size');
});

t.test('server gone while idle in the pool', async (t) => {
  const s = await sluice(t, 1);
  const c = await RawClient.login(s.port, login);
  t.teardown(() => c.end());
  const [[pid]] = rows(await c.query('select pg_backend_pid()'));
  await adminQuery('select pg_terminate_backend($1)', [Number(pid)]);
  await waitForBackends({ usename: ROLE }, 0);
  const r = await c.query('select pg_backend_pid()');
  t.notOk(firstError(r), firstError(r)?.message ?? 'the next query gets a fresh server');
  t.not(rows(r)[0]![0], pid);
});
