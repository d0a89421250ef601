/**
 * CancelRequest through Sluice: a client's cancel key (issued by Sluice) reaches the server
 * running that client's query and nothing else: not another client's query on another
 * server, not the next client's query on a server the canceling client used before.
 */
import t from 'tap';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import { loginRaw, RawClient, rows, sendCancel, serialize } from '../helpers/raw-client.js';

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

type Keyed = pg.Client & { processID: number; secretKey: number };

function outcome(p: Promise<unknown>): Promise<{ ok: boolean; code?: string; ms: number }> {
  const started = Date.now();
  return p.then(
    () => ({ ok: true, ms: Date.now() - started }),
    (e: { code?: string }) => ({ ok: false, code: e.code, ms: Date.now() - started }),
  );
}

t.test('a raw CancelRequest cancels only that client\'s query', async (t) => {
  const s = await startSluice({ size: 2 });
  t.teardown(() => s.stop());
  const a = new pg.Client(s.url()) as Keyed;
  const b = new pg.Client(s.url()) as Keyed;
  await a.connect();
  await b.connect();
  t.teardown(() => a.end());
  t.teardown(() => b.end());
  t.not(a.processID, b.processID, 'each client has its own key');

  const slow = outcome(a.query('select pg_sleep(10)'));
  const other = outcome(b.query('select pg_sleep(1.5)'));
  await sleep(300);
  await sendCancel(s.port, a.processID, a.secretKey);
  const ra = await slow;
  t.equal(ra.code, '57014', 'A is canceled');
  t.ok(ra.ms < 3000, `quickly (${ra.ms} ms)`);
  const rb = await other;
  t.ok(rb.ok, 'B\'s concurrent query on the other server finished normally');
  t.same((await a.query('select 1 as one')).rows, [{ one: 1 }], 'A goes on');
});

t.test('node-postgres\'s own cancel through Sluice', async (t) => {
  const s = await startSluice({ size: 2 });
  t.teardown(() => s.stop());
  const a = new pg.Client(s.url()) as Keyed;
  await a.connect();
  t.teardown(() => a.end());
  const q = new pg.Query('select pg_sleep(10)');
  const done = new Promise<{ code?: string }>((resolve) => {
    q.on('error', (e: Error & { code?: string }) => resolve(e));
    q.on('end', () => resolve({}));
  });
  a.query(q);
  await sleep(300);
  // pg's Client#cancel is not in @types/pg; it sends a CancelRequest with a's key.
  const canceler = new pg.Client(s.url()) as pg.Client & { cancel(client: pg.Client, query: pg.Query): void };
  canceler.cancel(a, q);
  const started = Date.now();
  const r = await done;
  t.equal(r.code, '57014');
  t.ok(Date.now() - started < 3000);
});

t.test('a wrong secret, or a client with nothing running, cancels nothing', async (t) => {
  const s = await startSluice({ size: 1, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const a = new pg.Client(s.url()) as Keyed;
  const b = new pg.Client(s.url()) as Keyed;
  await a.connect();
  await b.connect();
  t.teardown(() => a.end());
  t.teardown(() => b.end());

  const running = outcome(a.query('select pg_sleep(0.8)'));
  await sleep(200);
  await sendCancel(s.port, a.processID, a.secretKey ^ 1);
  t.ok((await running).ok, 'a cancel with the wrong secret is ignored');

  // A used the only server, then went idle; B now runs on that server. A's cancel must not hit B.
  await a.query('select 1');
  const bRun = outcome(b.query('select pg_sleep(0.8)'));
  await sleep(200);
  await sendCancel(s.port, a.processID, a.secretKey);
  t.ok((await bRun).ok, 'B is not canceled by an idle client\'s key');

  // A raw client's key works too, and the session stays usable after a cancel.
  const c = await loginRaw(t, s.port);
  const key = c.received.find((m) => m.name === 'backendKeyData')!;
  c.write(serialize.query('select pg_sleep(10)'));
  await sleep(300);
  await sendCancel(s.port, key.processID!, key.secretKey!);
  const res = await c.untilReady(5000);
  t.equal(res.find((m) => m.name === 'error')?.code, '57014');
  t.equal(res.at(-1)!.status, 'I');
  t.same(rows(await c.query('select 2')), [['2']]);
});
