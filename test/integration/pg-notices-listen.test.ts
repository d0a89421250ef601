/**
 * Asynchronous messages: NoticeResponse relayed in both query protocols; LISTEN/NOTIFY works
 * in session mode, and in transaction mode LISTEN is refused with SQLSTATE 0A000 (the
 * notifications would go to whichever client holds the server next) while NOTIFY works.
 */
import t from 'tap';
import pg from 'pg';
import { startSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import { firstError, names, loginRaw, RawClient, rows, serialize } from '../helpers/raw-client.js';

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

t.test('NoticeResponse reaches the client', async (t) => {
  const s = await startSluice({ size: 1 });
  t.teardown(() => s.stop());
  const c = await loginRaw(t, s.port);
  const r = await c.query("do $$ begin raise notice 'hello from %', 'plpgsql'; raise warning 'careful'; end $$");
  t.same(names(r), ['notice', 'notice', 'commandComplete', 'readyForQuery']);
  t.equal(r[0]!.message, 'hello from plpgsql');
  t.equal(r[1]!.severity, 'WARNING');

  c.write(serialize.parse({ text: "do $$ begin raise notice 'extended'; end $$" }), serialize.bind(), serialize.execute(), serialize.sync());
  const e = await c.untilReady();
  t.same(names(e), ['parseComplete', 'bindComplete', 'notice', 'commandComplete', 'readyForQuery']);

  const p = new pg.Client(s.url());
  await p.connect();
  t.teardown(() => p.end());
  const notices: string[] = [];
  p.on('notice', (n) => notices.push(n.message ?? ''));
  await p.query("do $$ begin raise notice 'to node-postgres'; end $$");
  t.same(notices, ['to node-postgres']);
});

t.test('LISTEN/NOTIFY in session mode', async (t) => {
  const session = await startSluice({ mode: 'session', size: 2 });
  const txn = await startSluice({ mode: 'transaction', size: 1 });
  t.teardown(() => session.stop());
  t.teardown(() => txn.stop());

  const listener = new pg.Client(session.url());
  await listener.connect();
  t.teardown(() => listener.end());
  await listener.query('LISTEN sluice_chan');
  const got: { channel: string; payload?: string }[] = [];
  const arrived = new Promise<void>((resolve) => listener.on('notification', (n) => {
    got.push({ channel: n.channel, payload: n.payload });
    if (got.length === 2) resolve();
  }));

  // One NOTIFY through the same session-mode Sluice, one through a transaction-mode one.
  const notifier = new pg.Client(session.url());
  await notifier.connect();
  t.teardown(() => notifier.end());
  await notifier.query("NOTIFY sluice_chan, 'from session mode'");
  const txnNotifier = new pg.Client(txn.url());
  await txnNotifier.connect();
  t.teardown(() => txnNotifier.end());
  await txnNotifier.query("select pg_notify('sluice_chan', 'from transaction mode')");
  await arrived;
  t.same(got, [
    { channel: 'sluice_chan', payload: 'from session mode' },
    { channel: 'sluice_chan', payload: 'from transaction mode' },
  ], 'notifications delivered while the listener was idle');
});

t.test('LISTEN in transaction mode is refused with 0A000', async (t) => {
  const s = await startSluice({ mode: 'transaction', size: 1 });
  t.teardown(() => s.stop());
  const c = await loginRaw(t, s.port);
  for (const sql of ['LISTEN chan', 'listen chan;', '  /* c */ -- x\n Listen "Chan"']) {
    const r = await c.query(sql);
    t.same(names(r), ['error', 'readyForQuery'], sql);
    const err = firstError(r)!;
    t.equal(err.code, '0A000');
    t.match(err.message, /LISTEN is not supported in transaction pooling mode/);
    t.equal(r.at(-1)!.status, 'I');
  }
  // Inside a transaction the status stays 'T'.
  await c.query('begin');
  const inTx = await c.query('listen chan');
  t.equal(firstError(inTx)?.code, '0A000');
  t.equal(inTx.at(-1)!.status, 'T');
  await c.query('rollback');
  t.same(rows(await c.query('select 1')), [['1']], 'the session goes on');

  const p = new pg.Client(s.url());
  await p.connect();
  t.teardown(() => p.end());
  await t.rejects(p.query('LISTEN chan'), { code: '0A000' }, 'node-postgres gets the error too');
});
