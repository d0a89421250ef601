/**
 * The extended query protocol through Sluice in transaction mode, written byte by byte:
 * Parse/Bind/Describe/Execute/Sync, Flush without Sync, several Syncs in one write (with an
 * error in the middle one), and portals suspended by a row limit then continued.
 */
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import { firstError, names, loginRaw, RawClient, rows, serialize } from '../helpers/raw-client.js';

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

t.test('Parse/Bind/Describe/Execute/Sync, unnamed', async (t) => {
  const s = await startSluice({ size: 2 });
  t.teardown(() => s.stop());
  const c = await loginRaw(t, s.port);

  c.write(
    serialize.parse({ text: 'select $1::int * 2 as n, $2::text as s', types: [] }),
    serialize.bind({ values: ['21', 'x'] }),
    serialize.describe({ type: 'P' }),
    serialize.execute(),
    serialize.sync(),
  );
  const r = await c.untilReady();
  t.same(names(r), ['parseComplete', 'bindComplete', 'rowDescription', 'dataRow', 'commandComplete', 'readyForQuery']);
  t.same(rows(r), [['42', 'x']]);

  // Describe of the unnamed statement: parameter and row descriptions.
  c.write(serialize.parse({ text: 'select $1::int8 as big' }), serialize.describe({ type: 'S' }), serialize.sync());
  const d = await c.untilReady();
  t.same(names(d), ['parseComplete', 'parameterDescription', 'rowDescription', 'readyForQuery']);

  // A statement with no result: NoData.
  c.write(serialize.parse({ text: 'do $$ begin end $$' }), serialize.bind(), serialize.describe({ type: 'P' }), serialize.execute(), serialize.sync());
  const n = await c.untilReady();
  t.same(names(n), ['parseComplete', 'bindComplete', 'noData', 'commandComplete', 'readyForQuery']);

  // Empty query text in the extended protocol.
  c.write(serialize.parse({ text: '' }), serialize.bind(), serialize.execute(), serialize.sync());
  t.same(names(await c.untilReady()), ['parseComplete', 'bindComplete', 'emptyQuery', 'readyForQuery']);
});

t.test('Flush returns results without Sync; Sync then ends the unit of work', async (t) => {
  const s = await startSluice({ size: 1, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const a = await loginRaw(t, s.port);
  const b = await loginRaw(t, s.port);

  a.write(serialize.parse({ text: 'select 1 as one' }), serialize.bind(), serialize.execute(), serialize.flush());
  const got = await a.until('commandComplete');
  t.same(names(got), ['parseComplete', 'bindComplete', 'dataRow', 'commandComplete']);
  // No Sync yet: the server is still A's, so B (pool of one) waits.
  b.write(serialize.query('select 2'));
  await t.rejects(b.next(300), /no message/, 'B waits while A has not synced');
  a.write(serialize.sync());
  t.same(names(await a.untilReady()), ['readyForQuery']);
  t.same(rows(await b.untilReady()), [['2']], 'B runs once A synced');
});

t.test('a lone Flush between Parse and Bind does not give the server away', async (t) => {
  const s = await startSluice({ size: 2, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const a = await loginRaw(t, s.port);
  const b = await loginRaw(t, s.port);

  a.write(serialize.parse({ text: 'select pg_backend_pid() as pid' }), serialize.flush());
  t.same(names(await a.until('parseComplete')), ['parseComplete']);
  a.write(serialize.flush());
  await sleep(100); // nothing answers a lone Flush; give Sluice time to act on it
  // B opens a transaction: if A's server had been released, B would take it (most recent idle).
  const [bPid] = rows(await b.query('begin; select pg_backend_pid()'))[0]!;
  a.write(serialize.bind(), serialize.execute(), serialize.sync());
  const r = await a.untilReady();
  t.notOk(firstError(r), firstError(r)?.message ?? 'the unnamed statement is still there');
  t.not(rows(r)[0]?.[0], bPid, 'A stayed on its own server');
  await b.query('commit');
});

t.test('several Syncs in one write, an error in the middle one', async (t) => {
  const s = await startSluice({ size: 2 });
  t.teardown(() => s.stop());
  const c = await loginRaw(t, s.port);

  c.write(
    serialize.parse({ text: 'select 1 as a' }), serialize.bind(), serialize.execute(), serialize.sync(),
    serialize.parse({ text: 'select 1/(random() * 0)::int' }), serialize.bind(), serialize.execute(),
    serialize.parse({ text: 'select 99' }), serialize.bind(), serialize.execute(), serialize.sync(),
    serialize.parse({ text: 'select 3 as c' }), serialize.bind(), serialize.describe({ type: 'P' }), serialize.execute(), serialize.sync(),
  );
  const all = await c.untilReadyN(3);
  t.same(names(all), [
    'parseComplete', 'bindComplete', 'dataRow', 'commandComplete', 'readyForQuery',
    'parseComplete', 'bindComplete', 'error', 'readyForQuery',
    'parseComplete', 'bindComplete', 'rowDescription', 'dataRow', 'commandComplete', 'readyForQuery',
  ]);
  t.equal(firstError(all)?.code, '22012');
  t.same(rows(all), [['1'], ['3']], 'what followed the error up to its Sync was skipped');
  t.same(all.filter((m) => m.name === 'readyForQuery').map((m) => m.status), ['I', 'I', 'I']);

  // Pipelined from several clients sharing two servers, 20 round trips each.
  const clients = await Promise.all([0, 1, 2, 3, 4].map(() => RawClient.login(s.port)));
  t.teardown(() => Promise.all(clients.map((x) => x.end())));
  await Promise.all(clients.map(async (x, i) => {
    for (let k = 0; k < 20; k++) {
      const msgs = [];
      for (let j = 0; j < 3; j++) msgs.push(serialize.parse({ text: `select ${i}::int, ${k}::int, ${j}::int` }), serialize.bind(), serialize.execute(), serialize.sync());
      x.write(...msgs);
      const got = await x.untilReadyN(3);
      const want = [0, 1, 2].map((j) => [String(i), String(k), String(j)]);
      if (JSON.stringify(rows(got)) !== JSON.stringify(want)) t.fail(`client ${i} round ${k}: ${JSON.stringify(rows(got))}`);
    }
  }));
  t.pass('every pipelined response reached its own client in order');
});

t.test('named portal inside a transaction: row limit, PortalSuspended, continue', async (t) => {
  const s = await startSluice({ size: 1 });
  t.teardown(() => s.stop());
  const c = await loginRaw(t, s.port);

  t.equal((await c.query('begin')).at(-1)!.status, 'T');
  c.write(
    serialize.parse({ name: 'series', text: 'select g from generate_series(1, 5) g' }),
    serialize.bind({ portal: 'cur', statement: 'series' }),
    serialize.execute({ portal: 'cur', rows: 2 }),
    serialize.sync(),
  );
  const first = await c.untilReady();
  t.same(names(first), ['parseComplete', 'bindComplete', 'dataRow', 'dataRow', 'portalSuspended', 'readyForQuery']);
  t.same(rows(first), [['1'], ['2']]);
  t.equal(first.at(-1)!.status, 'T');

  c.write(serialize.execute({ portal: 'cur', rows: 2 }), serialize.sync());
  const second = await c.untilReady();
  t.same(rows(second), [['3'], ['4']]);
  t.ok(names(second).includes('portalSuspended'));

  c.write(serialize.execute({ portal: 'cur' }), serialize.close({ type: 'P', name: 'cur' }), serialize.sync());
  const rest = await c.untilReady();
  t.same(names(rest), ['dataRow', 'commandComplete', 'closeComplete', 'readyForQuery']);
  t.same(rows(rest), [['5']]);
  t.equal((await c.query('commit')).at(-1)!.status, 'I');
});

t.test('unnamed portal with a row limit, continued after Flush', async (t) => {
  const s = await startSluice({ size: 2 });
  t.teardown(() => s.stop());
  const c = await loginRaw(t, s.port);

  c.write(serialize.parse({ text: 'select g from generate_series(1, 3) g' }), serialize.bind(), serialize.execute({ rows: 2 }), serialize.flush());
  const part = await c.until('portalSuspended');
  t.same(rows(part), [['1'], ['2']]);
  c.write(serialize.execute({ rows: 2 }), serialize.sync());
  const rest = await c.untilReady();
  t.same(names(rest), ['dataRow', 'commandComplete', 'readyForQuery']);
  t.same(rows(rest), [['3']]);
});
