/**
 * Named prepared statements in transaction mode: a statement prepared through one server
 * connection is executed on another (re-prepared without the client noticing), each server
 * keeps at most max_prepared_statements, and Close / DEALLOCATE / DISCARD ALL, failing
 * Parses and clients sharing a statement name all behave as on a direct connection.
 */
import t from 'tap';
import type { Test } from 'tap';
import pg from 'pg';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import { firstError, names, loginRaw, RawClient, rows, serialize } from '../helpers/raw-client.js';

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

const COUNT_SLUICE_STATEMENTS = "select count(*)::int as n from pg_prepared_statements where name like 'sluice\\_%'";

async function pgClient(t: Test, s: TestSluice): Promise<pg.Client> {
  const c = new pg.Client(s.url());
  await c.connect();
  t.teardown(() => c.end());
  return c;
}

t.test('a statement prepared on one server runs on another, re-prepared transparently', async (t) => {
  const s = await startSluice({ size: 2, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const a = await pgClient(t, s);
  const b = await pgClient(t, s);
  const who = (n: number) => a.query<{ n: number; pid: number }>({ name: 'who', text: 'select $1::int as n, pg_backend_pid() as pid', values: [n] });

  const first = (await who(1)).rows[0]!;
  t.equal(first.n, 1);
  // B takes the server A just used (the most recently released) and keeps it.
  await b.query('begin');
  const bPid = (await b.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  t.equal(bPid, first.pid, 'B holds the server the statement was prepared on');
  const second = (await who(2)).rows[0]!;
  t.equal(second.n, 2, 'the statement ran on a server that had never seen it');
  t.not(second.pid, first.pid);
  await b.query('commit');

  // Many rounds, three clients, two servers: every execution finds its statement.
  const c = await pgClient(t, s);
  const clients = [a, b, c];
  await Promise.all(clients.map(async (x, i) => {
    for (let k = 0; k < 30; k++) {
      const r = await x.query<{ v: string }>({ name: `st${k % 4}`, text: `select $1::text || '-${k % 4}' as v`, values: [`c${i}`] });
      if (r.rows[0]?.v !== `c${i}-${k % 4}`) t.fail(`client ${i} round ${k}: ${JSON.stringify(r.rows)}`);
      if (k % 7 === 0) {
        await x.query('begin');
        await x.query({ name: `st${k % 4}`, text: `select $1::text || '-${k % 4}' as v`, values: ['in-tx'] });
        await x.query('commit');
      }
    }
  }));
  t.pass('90 named executions over shared servers');

  // Server-side names are Sluice's, never the clients'.
  const held = await pgClient(t, s);
  await held.query('begin');
  const { rows: stmts } = await held.query<{ name: string }>('select name from pg_prepared_statements');
  await held.query('commit');
  t.ok(stmts.length > 0);
  t.ok(stmts.every((r) => r.name.startsWith('sluice_')), `server statement names: ${stmts.map((r) => r.name).join(', ')}`);
});

t.test('raw Parse on one server, Bind after a switch', async (t) => {
  const s = await startSluice({ size: 2, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const a = await loginRaw(t, s.port);
  const b = await loginRaw(t, s.port);

  a.write(serialize.parse({ name: 'pid_of', text: 'select pg_backend_pid()::text || $1::text' }), serialize.sync());
  t.same(names(await a.untilReady()), ['parseComplete', 'readyForQuery']);
  const [[pidA]] = rows(await a.query('select pg_backend_pid()'));
  const [[pidB]] = rows(await b.query('begin; select pg_backend_pid()'));
  t.equal(pidB, pidA, 'B holds the server the statement went to');
  a.write(serialize.bind({ statement: 'pid_of', values: ['!'] }), serialize.describe({ type: 'P' }), serialize.execute(), serialize.sync());
  const r = await a.untilReady();
  t.same(names(r), ['bindComplete', 'rowDescription', 'dataRow', 'commandComplete', 'readyForQuery'], 'the re-prepare is invisible');
  t.not(rows(r)[0]![0], `${pidA}!`);
  t.match(rows(r)[0]![0], /^\d+!$/);
  // Describe of the statement on yet another turn works too.
  a.write(serialize.describe({ type: 'S', name: 'pid_of' }), serialize.sync());
  t.same(names(await a.untilReady()), ['parameterDescription', 'rowDescription', 'readyForQuery']);
  await b.query('commit');
});

t.test('each server keeps at most max_prepared_statements', async (t) => {
  const s = await startSluice({ size: 2, pool: { max_prepared_statements: 2, query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const clients = await Promise.all([0, 1, 2].map(() => pgClient(t, s)));
  const texts = [0, 1, 2, 3, 4].map((i) => `select $1::int + ${i} as v`);
  let maxSeen = 0;
  await Promise.all(clients.map(async (c, ci) => {
    for (let k = 0; k < 25; k++) {
      const i = (k * (ci + 2) + ci) % 5;
      await c.query('begin');
      const r = await c.query<{ v: number }>({ name: `s${i}`, text: texts[i]!, values: [100] });
      if (r.rows[0]?.v !== 100 + i) t.fail(`statement s${i} gave ${JSON.stringify(r.rows)}`);
      const { rows: [{ n }] } = await c.query<{ n: number }>(COUNT_SLUICE_STATEMENTS);
      maxSeen = Math.max(maxSeen, n);
      await c.query('commit');
    }
  }));
  t.ok(maxSeen >= 1 && maxSeen <= 2, `at most 2 statements on a server (saw ${maxSeen})`);

  // Hold both servers at once and count on each.
  const [x, y] = clients;
  await x!.query('begin');
  await y!.query('begin');
  const counts = await Promise.all([x!, y!].map(async (c) => (await c.query<{ n: number; pid: number }>(`select (${COUNT_SLUICE_STATEMENTS}) as n, pg_backend_pid() as pid`)).rows[0]!));
  t.not(counts[0]!.pid, counts[1]!.pid, 'two different servers');
  for (const c of counts) t.ok(c.n <= 2, `server ${c.pid} has ${c.n} statements`);
  await x!.query('commit');
  await y!.query('commit');
});

t.test('Close, DEALLOCATE name, DEALLOCATE ALL, DISCARD ALL', async (t) => {
  const s = await startSluice({ size: 2 });
  t.teardown(() => s.stop());
  const c = await loginRaw(t, s.port);
  const prepare = async (name: string, text = `select '${name}'::text`) => {
    c.write(serialize.parse({ name, text }), serialize.sync());
    t.same(names(await c.untilReady()), ['parseComplete', 'readyForQuery'], `prepare ${name}`);
  };
  const run = async (name: string) => {
    c.write(serialize.bind({ statement: name }), serialize.execute(), serialize.sync());
    return c.untilReady();
  };

  await prepare('c1');
  t.same(rows(await run('c1')), [['c1']]);
  c.write(serialize.close({ type: 'S', name: 'c1' }), serialize.sync());
  t.same(names(await c.untilReady()), ['closeComplete', 'readyForQuery']);
  t.equal(firstError(await run('c1'))?.code, '26000', 'closed statement is gone');
  c.write(serialize.close({ type: 'S', name: 'never_prepared' }), serialize.sync());
  t.same(names(await c.untilReady()), ['closeComplete', 'readyForQuery'], 'closing an unknown name is no error');
  await prepare('c1');
  t.same(rows(await run('c1')), [['c1']], 'prepared again after Close');

  await prepare('d1');
  await prepare('Mixed Case');
  const dealloc = await c.query('DEALLOCATE d1');
  t.same(names(dealloc), ['commandComplete', 'readyForQuery']);
  t.equal(dealloc[0]!.text, 'DEALLOCATE');
  t.equal(firstError(await run('d1'))?.code, '26000');
  t.same(rows(await run('c1')), [['c1']], 'other statements survive DEALLOCATE name');
  t.equal((await c.query('deallocate prepare "Mixed Case";'))[0]!.text, 'DEALLOCATE');
  t.equal(firstError(await run('Mixed Case'))?.code, '26000');
  t.equal(firstError(await c.query('DEALLOCATE no_such'))?.code, '26000', 'unknown name: the server says so');

  await prepare('e1');
  await prepare('e2');
  const all = await c.query('DEALLOCATE ALL');
  t.equal(all[0]!.text, 'DEALLOCATE ALL');
  for (const n of ['c1', 'e1', 'e2']) t.equal(firstError(await run(n))?.code, '26000', `${n} gone after DEALLOCATE ALL`);
  await prepare('e1');
  t.same(rows(await run('e1')), [['e1']]);

  await prepare('f1');
  const discard = await c.query('DISCARD ALL');
  t.equal(discard.find((m) => m.name === 'commandComplete')?.text, 'DISCARD ALL');
  t.equal(firstError(await run('f1'))?.code, '26000', 'gone after DISCARD ALL');
  t.equal(firstError(await run('e1'))?.code, '26000');
  await prepare('f1');
  t.same(rows(await run('f1')), [['f1']], 'prepares work after DISCARD ALL (the server forgot its statements too)');

  // A DISCARD ALL the server refuses (inside a transaction block) discards nothing.
  await c.query('begin');
  t.equal(firstError(await c.query('discard all'))?.code, '25001');
  await c.query('rollback');
  t.same(rows(await run('f1')), [['f1']], 'statements survive a DISCARD ALL that failed');
});

t.test('a Parse with a syntax error, and prepares after it', async (t) => {
  const s = await startSluice({ size: 1 });
  t.teardown(() => s.stop());
  const c = await loginRaw(t, s.port);

  c.write(serialize.parse({ name: 'bad', text: 'selec 1' }), serialize.sync());
  const r = await c.untilReady();
  t.same(names(r), ['error', 'readyForQuery']);
  t.equal(firstError(r)?.code, '42601');
  c.write(serialize.bind({ statement: 'bad' }), serialize.execute(), serialize.sync());
  t.equal(firstError(await c.untilReady())?.code, '26000', 'the failed statement does not exist');

  // Same bad text again (Sluice must not remember it as good), then a good one after it in the same pipeline.
  c.write(serialize.parse({ name: 'bad', text: 'selec 1' }), serialize.parse({ name: 'after', text: 'select 2' }), serialize.sync());
  const r2 = await c.untilReady();
  t.same(names(r2), ['error', 'readyForQuery']);
  c.write(serialize.bind({ statement: 'after' }), serialize.execute(), serialize.sync());
  t.equal(firstError(await c.untilReady())?.code, '26000', 'a Parse skipped after an error is not prepared');

  c.write(serialize.parse({ name: 'good', text: 'select 1 as one' }), serialize.bind({ statement: 'good' }), serialize.execute(), serialize.sync());
  const ok = await c.untilReady();
  t.same(names(ok), ['parseComplete', 'bindComplete', 'dataRow', 'commandComplete', 'readyForQuery']);

  // A re-prepare that fails (the table went away) reports the error and forgets the statement.
  await c.query('create table if not exists pg_prep_gone(x int)');
  t.teardown(async () => { const a = await RawClient.login(s.port); await a.query('drop table if exists pg_prep_gone'); await a.end(); });
  c.write(serialize.parse({ name: 'tbl', text: 'select x from pg_prep_gone' }), serialize.sync());
  t.same(names(await c.untilReady()), ['parseComplete', 'readyForQuery']);
  const other = await RawClient.login(s.port);
  await other.query('discard all');
  await other.query('drop table pg_prep_gone');
  await other.end();
  c.write(serialize.bind({ statement: 'tbl' }), serialize.execute(), serialize.sync());
  const gone = await c.untilReady();
  t.equal(firstError(gone)?.code, '42P01', 'the client sees why its statement cannot run');
  t.equal(gone.at(-1)?.name, 'readyForQuery');
  t.same(rows(await c.query('select 3')), [['3']], 'the session goes on');
  // As on a direct connection, the statement still exists and works once the table is back.
  await c.query('create table pg_prep_gone(x int); insert into pg_prep_gone values (7)');
  c.write(serialize.bind({ statement: 'tbl' }), serialize.execute(), serialize.sync());
  const back = await c.untilReady();
  t.notOk(firstError(back), firstError(back)?.message ?? 'the statement runs again');
  t.same(rows(back), [['7']]);
});

t.test('a re-prepare skipped after an earlier error keeps the client statement', async (t) => {
  const s = await startSluice({ size: 2, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const a = await loginRaw(t, s.port);
  const b = await loginRaw(t, s.port);
  a.write(serialize.parse({ name: 'keep', text: "select 'kept'" }), serialize.sync());
  t.same(names(await a.untilReady()), ['parseComplete', 'readyForQuery']);
  await b.query('begin'); // holds the server that has "keep"
  a.write(
    serialize.parse({ text: 'select 1/(random() * 0)::int' }), serialize.bind(), serialize.execute(),
    serialize.bind({ statement: 'keep' }), serialize.execute(),
    serialize.sync(),
  );
  const failed = await a.untilReady();
  t.same(names(failed), ['parseComplete', 'bindComplete', 'error', 'readyForQuery']);
  a.write(serialize.bind({ statement: 'keep' }), serialize.execute(), serialize.sync());
  const r = await a.untilReady();
  t.notOk(firstError(r), firstError(r)?.message ?? 'keep still exists');
  t.same(rows(r), [['kept']]);
  await b.query('commit');
});

t.test('two clients, one statement name, different SQL', async (t) => {
  const s = await startSluice({ size: 1, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const a = await pgClient(t, s);
  const b = await pgClient(t, s);
  await Promise.all([[a, 'A'], [b, 'B']].map(async ([c, tag]) => {
    for (let k = 0; k < 20; k++) {
      const r = await (c as pg.Client).query<{ v: string }>({ name: 'same', text: `select '${tag as string}' || $1::text as v`, values: [k] });
      if (r.rows[0]?.v !== `${tag as string}${k}`) t.fail(`client ${tag as string} got ${r.rows[0]?.v}`);
    }
  }));
  t.pass('each client ran its own statement every time');
});

t.test('a lone prepare of a known statement needs no server', async (t) => {
  const s = await startSluice({ size: 1, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const a = await loginRaw(t, s.port);
  const b = await loginRaw(t, s.port);
  const text = 'select $1::int * 3';
  a.write(serialize.parse({ name: 'triple', text }), serialize.sync());
  t.same(names(await a.untilReady()), ['parseComplete', 'readyForQuery']);

  await a.query('begin');
  b.write(serialize.parse({ name: 'mine', text }), serialize.sync());
  t.same(names(await b.untilReady(1000)), ['parseComplete', 'readyForQuery'], 'answered while the only server is busy');
  b.write(serialize.bind({ statement: 'mine', values: ['5'] }), serialize.execute(), serialize.sync());
  await t.rejects(b.next(300), /no message/, 'executing waits for a server');
  await a.query('commit');
  t.same(rows(await b.untilReady()), [['15']]);
});

t.test('an eviction skipped by the server after an error is not forgotten', async (t) => {
  const s = await startSluice({ size: 1, pool: { max_prepared_statements: 2 } });
  t.teardown(() => s.stop());
  const c = await loginRaw(t, s.port);
  c.write(serialize.parse({ name: 's1', text: "select 'one'" }), serialize.parse({ name: 's2', text: "select 'two'" }), serialize.sync());
  t.same(names(await c.untilReady()), ['parseComplete', 'parseComplete', 'readyForQuery']);
  // The third statement makes Sluice close the oldest on the server, but after the error the
  // server skips both that Close and the Parse up to Sync.
  c.write(
    serialize.parse({ text: 'select 1/(random() * 0)::int' }), serialize.bind(), serialize.execute(),
    serialize.parse({ name: 's3', text: "select 'three'" }),
    serialize.sync(),
  );
  const failed = await c.untilReady();
  t.equal(firstError(failed)?.code, '22012');
  for (const [name, want] of [['s1', 'one'], ['s2', 'two']]) {
    c.write(serialize.bind({ statement: name }), serialize.execute(), serialize.sync());
    const r = await c.untilReady();
    t.notOk(firstError(r), firstError(r)?.message ?? `${name} still runs`);
    t.same(rows(r), [[want]]);
  }
  c.write(serialize.parse({ name: 's3', text: "select 'three'" }), serialize.bind({ statement: 's3' }), serialize.execute(), serialize.sync());
  const r3 = await c.untilReady();
  t.notOk(firstError(r3), firstError(r3)?.message ?? 's3 prepares after all');
  t.same(rows(r3), [['three']]);
  const count = await c.query(COUNT_SLUICE_STATEMENTS);
  t.ok(Number(rows(count)[0]![0]) <= 2, `server holds ${rows(count)[0]![0]} statements`);
});
