// Pool policy against an in-memory fake Connector: no sockets, only the pool's decisions.
import t from 'tap';
import { PoolClosedError, PoolTimeoutError, ServerConnectError, type SluiceError } from '../../src/errors.js';
import { Pool } from '../../src/pool/pool.js';
import type { PoolOptions } from '../../src/pool/options.js';
import type { Connector, HostPicker, HostTarget, LeaseWaiter, PooledConnection } from '../../src/pool/types.js';

const HOST: HostTarget = { host: '127.0.0.1', port: 5432, key: '127.0.0.1:5432' };

class FakeConn implements PooledConnection {
  readonly createdAt = Date.now();
  lastUsedAt = this.createdAt;
  closed = false;
  closeReason = '';
  constructor(readonly id: number, readonly host: HostTarget) {}
  close(reason: string): void {
    this.closed = true;
    this.closeReason = reason;
  }
}

interface FakeConnectorOptions { check?: boolean; reset?: boolean }

class FakeConnector implements Connector<FakeConn> {
  readonly opened: FakeConn[] = [];
  readonly attemptTimes: number[] = [];
  /** The next this many connects are refused. */
  failNext = 0;
  checkPasses = true;
  resetPasses = true;
  checks = 0;
  resets = 0;
  check?: (conn: FakeConn) => Promise<void>;
  reset?: (conn: FakeConn) => Promise<void>;

  constructor(options: FakeConnectorOptions = {}) {
    if (options.check) this.check = async () => {
      this.checks++;
      if (!this.checkPasses) throw new ServerConnectError('check failed');
    };
    if (options.reset) this.reset = async () => {
      this.resets++;
      if (!this.resetPasses) throw new ServerConnectError('reset failed');
    };
  }

  connect(host: HostTarget): Promise<FakeConn> {
    this.attemptTimes.push(Date.now());
    return new Promise((resolve, reject) => setImmediate(() => {
      if (this.failNext > 0) {
        this.failNext--;
        reject(new ServerConnectError(`connection to ${host.key} refused`));
        return;
      }
      const conn = new FakeConn(this.opened.length + 1, host);
      this.opened.push(conn);
      resolve(conn);
    }));
  }

  get open(): FakeConn[] {
    return this.opened.filter((c) => !c.closed);
  }
}

/** Records every callback so a test can assert "exactly one". */
class Waiter implements LeaseWaiter<FakeConn> {
  calls = 0;
  conn: FakeConn | null = null;
  error: SluiceError | null = null;
  private settle: () => void = () => {};
  readonly done = new Promise<void>((resolve) => { this.settle = resolve; });
  onLease(conn: FakeConn): void {
    this.calls++;
    this.conn = conn;
    this.settle();
  }
  onLeaseError(err: SluiceError): void {
    this.calls++;
    this.error = err;
    this.settle();
  }
}

const base: PoolOptions = {
  mode: 'transaction',
  size: 2,
  min_size: 0,
  query_wait_timeout: 0,
  server_connect_timeout: 1000,
  server_login_retry: 20,
  server_lifetime: 0,
  server_idle_timeout: 0,
  server_check_query: '',
  server_check_delay: 0,
};

/** The slice of a tap test makePool needs, to close the pool when the test ends. */
interface Teardown { teardown(fn: () => void): void }

function makePool(t: Teardown, options: Partial<PoolOptions> = {}, connector = new FakeConnector(), pickHost: HostPicker = () => HOST) {
  const pool = new Pool<FakeConn>({ name: 'bench/alice', options: { ...base, ...options }, connector, pickHost, tickMs: 5 });
  t.teardown(() => { void pool.close(); });
  return { pool, connector };
}

/** Poll a condition the pool reaches asynchronously (connect, janitor); fails after 2 s. */
async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Await something the pool does on its own. The janitor is unref'd (client sockets keep a
 * real process alive), so this ref'd timer both keeps the test process up and bounds the wait.
 */
async function within<T>(pending: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('not settled within 2 s')), 2000); });
  try {
    return await Promise.race([pending, limit]);
  } finally {
    clearTimeout(timer);
  }
}

async function settled(...ws: Waiter[]): Promise<void> {
  await within(Promise.all(ws.map((w) => w.done)));
}

/** One event-loop turn: freed connections reach waiters in the check phase. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function leased(pool: Pool<FakeConn>): Promise<FakeConn> {
  const w = new Waiter();
  pool.acquire(w);
  await settled(w);
  if (w.conn === null) throw w.error ?? new Error('no lease');
  return w.conn;
}

t.test('an idle connection is leased synchronously, most recently used first', async (t) => {
  const { pool } = makePool(t);
  const a = await leased(pool);
  const b = await leased(pool);
  pool.release(a, true);
  pool.release(b, true);
  t.equal(pool.snapshot().idle, 2);
  const w = new Waiter();
  pool.acquire(w);
  t.equal(w.calls, 1, 'onLease ran inside acquire');
  t.equal(w.conn, b, 'LIFO: the last released goes out first');
  t.equal(pool.snapshot().active, 1);
  t.equal(pool.totals.connects, 2);
});

t.test('waiters are served in FIFO order, handed over at the end of the event-loop turn', async (t) => {
  const { pool } = makePool(t, { size: 1 });
  const conn = await leased(pool);
  const ws = [new Waiter(), new Waiter(), new Waiter()];
  for (const w of ws) pool.acquire(w);
  t.equal(pool.snapshot().waiting, 3);
  for (const w of ws) {
    pool.release(conn, true);
    t.equal(w.calls, 0, 'not handed over inside release');
    await turn();
    t.equal(w.conn, conn);
    t.equal(pool.snapshot().idle, 0);
  }
  t.same(ws.map((w) => w.calls), [1, 1, 1]);
  t.equal(pool.totals.waitCount, 4, 'the first lease waited for its connect too');
});

t.test('a cancelled waiter is skipped and never called', async (t) => {
  const { pool } = makePool(t, { size: 1 });
  const conn = await leased(pool);
  const gone = new Waiter();
  const next = new Waiter();
  pool.acquire(gone);
  pool.acquire(next);
  t.equal(pool.cancelWait(gone), true);
  t.equal(pool.cancelWait(gone), false, 'second cancel finds nothing');
  pool.release(conn, true);
  await turn();
  t.equal(gone.calls, 0);
  t.equal(next.conn, conn);
  t.equal(pool.cancelWait(next), false, 'a leased waiter is not waiting');
});

t.test('query_wait_timeout rejects with the pool name, from the janitor', async (t) => {
  const { pool } = makePool(t, { size: 1, query_wait_timeout: 30 });
  await leased(pool);
  const w = new Waiter();
  const started = Date.now();
  pool.acquire(w);
  await settled(w);
  t.type(w.error, PoolTimeoutError);
  t.equal(w.error?.code, 'SLUICE_POOL_TIMEOUT');
  t.match(w.error?.message, /"bench\/alice"/);
  t.ok(Date.now() - started >= 29, 'not before the timeout');
  t.equal(pool.totals.timeouts, 1);
  t.equal(pool.snapshot().waiting, 0);
});

t.test('connect failure keeps waiters waiting and retries after server_login_retry', async (t) => {
  const connector = new FakeConnector();
  connector.failNext = 2;
  const { pool } = makePool(t, { server_login_retry: 40 }, connector);
  const w = new Waiter();
  pool.acquire(w);
  await until('first failure', () => pool.totals.connectFailures === 1);
  t.type(pool.lastConnectError, ServerConnectError);
  t.match(pool.snapshot().lastConnectError, /refused/);
  t.equal(w.calls, 0, 'still waiting');
  await settled(w);
  t.ok(w.conn, 'leased once the server came back');
  const [first, second, third] = connector.attemptTimes;
  t.equal(connector.attemptTimes.length, 3, 'no hot loop');
  t.ok((second ?? 0) - (first ?? 0) >= 39 && (third ?? 0) - (second ?? 0) >= 39, 'attempts spaced by server_login_retry');
  t.equal(pool.lastConnectError, null, 'cleared by the successful connect');
});

t.test('no host available counts as a connect failure', async (t) => {
  let up = false;
  const { pool } = makePool(t, { server_login_retry: 10 }, new FakeConnector(), () => (up ? HOST : null));
  const w = new Waiter();
  pool.acquire(w);
  t.equal(pool.totals.connectFailures, 1);
  t.match(pool.lastConnectError?.message, /no host available/);
  up = true;
  await settled(w);
  t.ok(w.conn);
});

t.test('server_lifetime closes a leased connection on release and an idle one in the janitor', async (t) => {
  const { pool, connector } = makePool(t, { server_lifetime: 30 });
  const a = await leased(pool);
  const b = await leased(pool);
  pool.release(b, true);
  await until('idle b past lifetime', () => b.closed);
  t.equal(b.closeReason, 'server_lifetime');
  t.equal(pool.snapshot().idle, 0);
  pool.release(a, true);
  t.ok(a.closed);
  t.equal(a.closeReason, 'server_lifetime');
  t.equal(connector.open.length, 0);
});

t.test('server_idle_timeout closes idle connections down to min_size', async (t) => {
  const { pool, connector } = makePool(t, { size: 3, min_size: 1, server_idle_timeout: 30 });
  const conns = [await leased(pool), await leased(pool), await leased(pool)];
  for (const c of conns) pool.release(c, true);
  await until('idle down to min_size', () => connector.open.length === 1);
  t.equal(pool.snapshot().idle, 1);
  t.same(conns.filter((c) => c.closed).map((c) => c.closeReason), ['server_idle_timeout', 'server_idle_timeout']);
  t.notOk(conns[2]?.closed, 'the most recently used one stays');
});

t.test('min_size is topped up at start and after a server drops one', async (t) => {
  const { pool, connector } = makePool(t, { size: 3, min_size: 2 });
  await until('two idle', () => pool.snapshot().idle === 2);
  const dropped = connector.opened[0] as FakeConn;
  dropped.closed = true;
  pool.onConnectionClosed(dropped);
  t.equal(pool.snapshot().idle, 1, 'removed at once');
  await until('topped up again', () => pool.snapshot().idle === 2);
  t.equal(connector.open.length, 2);
});

t.test('a connection closed while idle is never handed out', async (t) => {
  const { pool } = makePool(t, { size: 1 });
  const a = await leased(pool);
  pool.release(a, true);
  a.closed = true; // the protocol has not told the pool yet
  const b = await leased(pool);
  t.not(b, a);
  t.notOk(b.closed);
});

t.test('a stale idle connection is checked before the lease; a failed one is replaced', async (t) => {
  const connector = new FakeConnector({ check: true });
  const { pool } = makePool(t, { server_check_query: 'SELECT 1', server_check_delay: 20 }, connector);
  const a = await leased(pool);
  pool.release(a, true);
  const fresh = new Waiter();
  pool.acquire(fresh);
  t.equal(fresh.conn, a, 'fresh: synchronous, no check');
  t.equal(connector.checks, 0);
  pool.release(a, true);
  await new Promise((resolve) => setTimeout(resolve, 30));
  const stale = new Waiter();
  pool.acquire(stale);
  t.equal(stale.calls, 0, 'stale: waits for the check');
  t.equal(pool.snapshot().tested, 1);
  await settled(stale);
  t.equal(stale.conn, a);
  t.equal(connector.checks, 1);
  pool.release(a, true);
  await new Promise((resolve) => setTimeout(resolve, 30));
  connector.checkPasses = false;
  const replaced = await leased(pool);
  t.ok(a.closed);
  t.equal(a.closeReason, 'server_check_query failed');
  t.not(replaced, a);
});

t.test('session mode resets on release before reuse; a failed reset closes', async (t) => {
  const connector = new FakeConnector({ reset: true });
  const { pool } = makePool(t, { mode: 'session', size: 1 }, connector);
  const a = await leased(pool);
  const w = new Waiter();
  pool.acquire(w);
  pool.release(a, true);
  t.equal(w.calls, 0, 'not handed over before the reset');
  await settled(w);
  t.equal(w.conn, a);
  t.equal(connector.resets, 1);
  connector.resetPasses = false;
  pool.release(a, true);
  await until('closed after failed reset', () => a.closed);
  t.equal(a.closeReason, 'session reset failed');
  t.equal(pool.snapshot().idle, 0);
});

t.test('release as not reusable closes and opens a replacement for a waiter', async (t) => {
  const { pool, connector } = makePool(t, { size: 1 });
  const a = await leased(pool);
  const w = new Waiter();
  pool.acquire(w);
  pool.release(a, false);
  t.ok(a.closed);
  await settled(w);
  t.not(w.conn, a);
  t.equal(connector.opened.length, 2);
});

t.test('resize down closes surplus idle now and leased on release; resize up serves waiters', async (t) => {
  const { pool, connector } = makePool(t, { size: 4 });
  const conns = [await leased(pool), await leased(pool), await leased(pool), await leased(pool)];
  pool.release(conns[3] as FakeConn, true);
  pool.resize({ ...base, size: 2 });
  t.ok(conns[3]?.closed, 'surplus idle closed at once');
  pool.release(conns[2] as FakeConn, true);
  t.ok(conns[2]?.closed, 'surplus leased closed on release');
  pool.release(conns[1] as FakeConn, true);
  t.notOk(conns[1]?.closed, 'within the new size: kept');
  t.equal(connector.open.length, 2);

  const waiters = [new Waiter(), new Waiter(), new Waiter()];
  pool.acquire(waiters[0] as Waiter); // takes the idle one
  for (const w of waiters.slice(1)) pool.acquire(w);
  t.equal(pool.snapshot().waiting, 2);
  pool.resize({ ...base, size: 4 });
  await settled(...waiters);
  t.ok(waiters.every((w) => w.conn !== null));
  t.equal(connector.open.length, 4);
});

t.test('close rejects waiters, closes idle now and leased on release', async (t) => {
  const { pool, connector } = makePool(t, { size: 2 });
  const a = await leased(pool);
  const b = await leased(pool);
  pool.release(b, true);
  const w = new Waiter();
  const c = await leased(pool); // b again
  pool.acquire(w);
  pool.release(c, true);
  await turn();
  t.equal(w.conn, b);
  let closed = false;
  const done = pool.close().then(() => { closed = true; });
  t.equal(pool.close(), pool.close(), 'same promise on repeat');
  const late = new Waiter();
  pool.acquire(late);
  t.type(late.error, PoolClosedError);
  t.equal(late.error?.code, 'SLUICE_POOL_CLOSED');
  pool.release(a, true);
  t.ok(a.closed);
  await Promise.resolve();
  t.notOk(closed, 'b is still leased');
  pool.release(b, true);
  await done;
  t.equal(connector.open.length, 0);
});

t.test('close rejects queued waiters with PoolClosedError', async (t) => {
  const { pool } = makePool(t, { size: 1 });
  const a = await leased(pool);
  const w = new Waiter();
  pool.acquire(w);
  const done = pool.close();
  t.type(w.error, PoolClosedError);
  pool.release(a, true);
  await done;
  t.equal(w.calls, 1);
});

t.test('close waits for a connect in flight', async (t) => {
  const { pool, connector } = makePool(t, { min_size: 1 });
  await pool.close();
  t.equal(connector.opened.length, 1);
  t.equal(connector.open.length, 0);
});

t.test('drain resolves once nothing is leased', async (t) => {
  const { pool } = makePool(t);
  await pool.drain();
  const a = await leased(pool);
  const b = await leased(pool);
  let drained = false;
  const done = pool.drain().then(() => { drained = true; });
  pool.release(a, true);
  await Promise.resolve();
  t.notOk(drained);
  pool.release(b, false);
  await done;
  t.ok(drained);
});

t.test('reconnect closes idle now, leased on release, and opens fresh ones', async (t) => {
  const { pool, connector } = makePool(t, { size: 3, min_size: 1 });
  const a = await leased(pool);
  const b = await leased(pool);
  pool.release(b, true);
  pool.reconnect();
  t.ok(b.closed);
  t.equal(b.closeReason, 'reconnect');
  pool.release(a, true);
  t.ok(a.closed);
  await until('min_size reopened', () => connector.open.length === 1);
  const c = await leased(pool);
  t.ok(c !== a && c !== b);
});

t.test('pause holds new acquires until resume', async (t) => {
  const { pool } = makePool(t);
  const a = await leased(pool);
  pool.release(a, true);
  pool.pause();
  const w = new Waiter();
  pool.acquire(w);
  t.equal(w.calls, 0);
  t.equal(pool.snapshot().paused, true);
  pool.resume();
  t.equal(w.conn, a);
});

t.test('snapshot reports gauges and totals', async (t) => {
  const { pool } = makePool(t, { size: 1 });
  const a = await leased(pool);
  const w = new Waiter();
  pool.acquire(w);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const s = pool.snapshot();
  t.match(s, { name: 'bench/alice', mode: 'transaction', size: 1, waiting: 1, active: 1, idle: 0, connecting: 0, leases: 1, connects: 1 });
  t.ok(s.maxWaitUs >= 4000, 'maxwait in microseconds');
  pool.release(a, true);
  await turn();
  t.ok(pool.snapshot().waitTimeUs >= 4000);
});

t.test('misuse is logged, not fatal: double release, throwing callbacks, a connector that throws', async (t) => {
  const warnings: string[] = [];
  const log = { debug() {}, info() {}, warn(_obj: object, msg: string) { warnings.push(msg); } };
  const connector = new FakeConnector();
  const pool = new Pool<FakeConn>({ name: 'bench/alice', options: { ...base, size: 1, query_wait_timeout: 20 }, connector, pickHost: () => HOST, log, tickMs: 5 });
  t.teardown(() => { void pool.close(); });

  const a = await leased(pool);
  pool.release(a, true);
  pool.release(a, true);
  t.match(warnings, [/not leased/]);
  t.equal(pool.snapshot().idle, 1, 'the second release changed nothing');

  pool.acquire({ onLease() { throw new Error('client bug'); }, onLeaseError() {} });
  t.match(warnings, [/not leased/, /lease callback threw/]);
  t.equal(pool.snapshot().active, 1, 'the lease stands');
  const timedOut = new Promise<void>((resolve) => pool.acquire({ onLease() {}, onLeaseError() { resolve(); throw new Error('client bug'); } }));
  await within(timedOut);
  t.match(warnings, [/not leased/, /lease callback threw/, /lease error callback threw/]);

  pool.release(a, false);
  connector.connect = () => { throw new Error('synchronous throw'); };
  const w = new Waiter();
  pool.acquire(w);
  t.equal(pool.totals.connectFailures, 1);
  t.match(pool.lastConnectError, { code: 'SLUICE_SERVER_CONNECT', message: /synchronous throw/ });
  t.equal(pool.snapshot().connecting, 0);
});
