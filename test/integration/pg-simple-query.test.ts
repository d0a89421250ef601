/**
 * Simple query protocol through Sluice in transaction mode: one statement, several in one
 * Query, the empty query, and an error inside a transaction holding the server until the
 * transaction really ends (ReadyForQuery 'I').
 */
import t from 'tap';
import pg from 'pg';
import { startSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import { firstError, names, loginRaw, RawClient, rows, serialize } from '../helpers/raw-client.js';

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

t.test('one statement, several statements, the empty query', async (t) => {
  const s = await startSluice({ size: 2 });
  t.teardown(() => s.stop());
  const c = await loginRaw(t, s.port);

  const one = await c.query('select 41 + 1 as n');
  t.same(names(one), ['rowDescription', 'dataRow', 'commandComplete', 'readyForQuery']);
  t.same(rows(one), [['42']]);
  t.equal(one.at(-1)!.status, 'I');

  const many = await c.query('select 1; select 2, 3; create temp table if not exists t_simple(x int); select 4');
  t.same(rows(many), [['1'], ['2', '3'], ['4']]);
  t.same(many.filter((m) => m.name === 'commandComplete').map((m) => m.text), ['SELECT 1', 'SELECT 1', 'CREATE TABLE', 'SELECT 1']);
  t.equal(many.filter((m) => m.name === 'readyForQuery').length, 1, 'one ReadyForQuery for the whole Query');

  const empty = await c.query('');
  t.same(names(empty), ['emptyQuery', 'readyForQuery']);
  const blank = await c.query('  ;  ');
  t.same(names(blank), ['emptyQuery', 'readyForQuery']);

  // An error stops the rest of the Query; the connection stays usable.
  const failing = await c.query('select 1; select 1/0; select 3');
  t.same(rows(failing), [['1']]);
  t.equal(firstError(failing)?.code, '22012');
  t.equal(failing.at(-1)!.status, 'I');
  t.same(rows(await c.query('select 5')), [['5']]);

  // node-postgres sees the same through Sluice.
  const pc = new pg.Client(s.url());
  await pc.connect();
  t.teardown(() => pc.end());
  const results = await pc.query('select 1 as a; select 2 as b') as unknown as pg.QueryResult[];
  t.same(results.map((r) => r.rows), [[{ a: 1 }], [{ b: 2 }]]);
  const e = await pc.query('');
  t.same(e.rows, []);
});

t.test('an error inside a transaction keeps the server leased until ReadyForQuery I', async (t) => {
  const s = await startSluice({ size: 1, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const a = await loginRaw(t, s.port);
  const b = await loginRaw(t, s.port);

  const [pidA] = rows(await a.query('begin; select pg_backend_pid()'))[0]!;
  const err = await a.query('select 1/0');
  t.equal(firstError(err)?.code, '22012');
  t.equal(err.at(-1)!.status, 'E', 'transaction is in the failed state');

  // B needs the only server: it must wait while A's failed transaction is open.
  b.write(serialize.query('select pg_backend_pid()'));
  await t.rejects(b.next(400), /no message/, 'B gets nothing while A holds the server');

  const stillFailed = await a.query('select 1');
  t.equal(firstError(stillFailed)?.code, '25P02', 'A is still in its own failed transaction');
  t.equal(stillFailed.at(-1)!.status, 'E');

  const rb = await a.query('rollback');
  t.equal(rb.at(-1)!.status, 'I');
  const bRes = await b.untilReady();
  t.same(rows(bRes), [[pidA]], 'B runs on the server A released');
  t.equal(bRes.at(-1)!.status, 'I');

  // An error outside a transaction releases the server at once.
  t.equal(firstError(await a.query('select 1/0'))?.code, '22012');
  t.same(rows(await b.query('select 7')), [['7']]);
});

t.test('a transaction holds its server across several Query messages', async (t) => {
  const s = await startSluice({ size: 2 });
  t.teardown(() => s.stop());
  const clients = await Promise.all([0, 1, 2, 3].map(() => RawClient.login(s.port)));
  t.teardown(() => Promise.all(clients.map((c) => c.end())));
  await clients[0]!.query('create table if not exists pg_simple_counter(id int primary key, n int); insert into pg_simple_counter values (1, 0) on conflict (id) do update set n = 0');
  t.teardown(() => clients[0]!.query('drop table if exists pg_simple_counter'));

  // Four clients, two servers: each transaction's statements must run on one backend.
  await Promise.all(clients.map(async (c) => {
    for (let i = 0; i < 10; i++) {
      const [pid1] = rows(await c.query('begin; select pg_backend_pid()'))[0]!;
      await c.query('update pg_simple_counter set n = n + 1 where id = 1');
      const [pid2] = rows(await c.query('select pg_backend_pid()'))[0]!;
      const end = await c.query('commit');
      t.equal(end.at(-1)!.status, 'I');
      if (pid1 !== pid2) t.fail(`transaction moved from backend ${pid1} to ${pid2}`);
    }
  }));
  t.same(rows(await clients[1]!.query('select n from pg_simple_counter where id = 1')), [['40']]);
});
