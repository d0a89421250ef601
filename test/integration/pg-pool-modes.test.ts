/**
 * Pool modes and the timeouts around a lease: session mode (server_reset_query on release),
 * statement mode (transaction blocks refused), query_wait_timeout and idle_transaction_timeout.
 */
import t from 'tap';
import { startSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import { firstError, loginRaw, RawClient, rows, serialize } from '../helpers/raw-client.js';

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

t.test('session mode: one server per client, reset with DISCARD ALL on release', async (t) => {
  const s = await startSluice({ mode: 'session', size: 1, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const a = await RawClient.login(s.port);
  const [[pidA]] = rows(await a.query('select pg_backend_pid()'));
  await a.query("create temp table session_tmp(x int); set statement_timeout = '1234s'; prepare sess_stmt as select 1; set application_name = 'dirty'");
  t.notOk(firstError(await a.query('select * from session_tmp')), 'the temp table lives through the session');
  t.same(rows(await a.query('execute sess_stmt')), [['1']], 'SQL PREPARE works in session mode');

  // B waits for A's session to end: the server is A's for as long as A is connected.
  const b = await loginRaw(t, s.port);
  b.write(serialize.query("select pg_backend_pid(), to_regclass('pg_temp.session_tmp') is null, current_setting('statement_timeout'), (select count(*) from pg_prepared_statements)"));
  await t.rejects(b.next(300), /no message/, 'B waits while A is connected');
  await a.end();
  const [[pidB, tmpGone, timeout, prepared]] = rows(await b.untilReady());
  t.equal(pidB, pidA, 'B got the server A had');
  t.equal(tmpGone, 't', 'no temp table of A\'s');
  t.equal(timeout, '0', 'A\'s SET is gone');
  t.equal(prepared, '0', 'A\'s prepared statement is gone');
  const app = reportedValue(b, 'application_name');
  t.not(app, 'dirty', 'B was never shown A\'s application_name');
});

function reportedValue(c: RawClient, name: string): string | undefined {
  let v: string | undefined;
  for (const m of c.received) if (m.name === 'parameterStatus' && m.parameterName === name) v = m.parameterValue;
  return v;
}

t.test('statement mode: autocommit statements run, transaction blocks are refused', async (t) => {
  const s = await startSluice({ mode: 'statement', size: 1, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const a = await RawClient.login(s.port);
  const b = await loginRaw(t, s.port);
  t.same(rows(await a.query('select 1; select 2')), [['1'], ['2']], 'several statements in one Query (an implicit transaction) are fine');
  a.write(serialize.parse({ text: 'select $1::int' }), serialize.bind({ values: ['3'] }), serialize.execute(), serialize.sync());
  t.same(rows(await a.untilReady()), [['3']]);
  t.same(rows(await b.query('select 4')), [['4']], 'the server is released after each statement');

  a.write(serialize.query('begin'));
  t.ok(await a.waitClosed(3000), 'the client is disconnected');
  const err = a.received.find((m) => m.name === 'error');
  t.equal(err?.code, '0A000');
  t.match(err?.message, /transaction blocks are not allowed in statement pooling mode/);
  t.same(rows(await b.query('select 5')), [['5']], 'the pool serves others after that');
  const tx = await b.query('select count(*) from pg_stat_activity where pid = pg_backend_pid() and xact_start is not null and state = \'idle in transaction\'');
  t.same(rows(tx), [['0']]);
});

t.test('query_wait_timeout: a waiting client gets an error naming the pool', async (t) => {
  const s = await startSluice({ size: 1, pool: { query_wait_timeout: '500ms' } });
  t.teardown(() => s.stop());
  const a = await loginRaw(t, s.port);
  await a.query('begin');
  const b = await RawClient.login(s.port);
  const started = Date.now();
  b.write(serialize.query('select 1'));
  t.ok(await b.waitClosed(5000), 'B is closed');
  const waited = Date.now() - started;
  const err = b.received.find((m) => m.name === 'error');
  t.ok(err, 'with an ErrorResponse');
  t.match(err?.message, /app\/sluice_test/, 'naming the pool');
  t.match(err?.message, /query_wait_timeout/);
  t.ok(waited >= 450 && waited < 3000, `after about the timeout (${waited} ms)`);
  t.same(rows(await a.query('select 1')), [['1']], 'A\'s transaction goes on');
  await a.query('commit');
});

t.test('idle_transaction_timeout: a client idle in a transaction is closed with 25P03', async (t) => {
  const s = await startSluice({ size: 1, pool: { idle_transaction_timeout: '500ms', query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const a = await RawClient.login(s.port);
  await a.query('begin; create temp table idle_tmp(x int)');
  const c = await loginRaw(t, s.port);
  c.write(serialize.query("select to_regclass('pg_temp.idle_tmp') is null"));
  const started = Date.now();
  t.ok(await a.waitClosed(5000), 'A is closed');
  const err = a.received.find((m) => m.name === 'error');
  t.equal(err?.code, '25P03');
  t.ok(Date.now() - started < 3000);
  t.same(rows(await c.untilReady()), [['t']], 'the waiting client gets the server, without A\'s transaction');

  // A busy transaction is not idle: statements keep it alive past the timeout.
  const d = await loginRaw(t, s.port);
  await d.query('begin');
  for (let i = 0; i < 6; i++) await d.query('select pg_sleep(0.2)');
  t.notOk(d.isClosed, 'a transaction that keeps working is not cut');
  await d.query('commit');
  // Outside a transaction, idle clients stay.
  await new Promise((r) => setTimeout(r, 1600));
  t.notOk(d.isClosed);
  t.same(rows(await d.query('select 1')), [['1']]);
});
