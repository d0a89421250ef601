// HostPools and the two Pool hooks routing uses (spare, takeWaiters), over in-memory connections.
import t from 'tap';
import { ServerConnectError, type SluiceError } from '../../src/errors.js';
import { HostPools, type Reroutable } from '../../src/pool/host-pools.js';
import type { PoolOptions } from '../../src/pool/options.js';
import { Pool } from '../../src/pool/pool.js';
import type { HostTarget, LeaseWaiter, PooledConnection } from '../../src/pool/types.js';

const host = (port: number): HostTarget => ({ host: '127.0.0.1', port, key: `127.0.0.1:${port}` });
const A = host(1), B = host(2);

class Conn implements PooledConnection {
  readonly createdAt = Date.now();
  lastUsedAt = this.createdAt;
  closed = false;
  constructor(readonly id: number, readonly host: HostTarget) {}
  close(): void { this.closed = true; }
}

const options: PoolOptions = {
  mode: 'transaction', size: 2, min_size: 0, query_wait_timeout: 0, server_connect_timeout: 1000,
  server_login_retry: 60_000, server_lifetime: 0, server_idle_timeout: 0, server_check_query: '', server_check_delay: 0,
};

/** Connects succeed on hosts in `up`, are refused elsewhere. */
function pools(up: Set<HostTarget>): HostPools<Conn, HostTarget> {
  let ids = 0;
  return new HostPools((h) => new Pool<Conn>({
    name: `app/u@${h.key}`, options,
    connector: { connect: (target) => (up.has(target) ? Promise.resolve(new Conn(++ids, target)) : Promise.reject(new ServerConnectError(`${target.key} refused`))) },
    pickHost: () => h,
  }));
}

class Waiter implements LeaseWaiter<Conn> {
  leased: Conn | null = null;
  error: SluiceError | null = null;
  onLease(conn: Conn): void { this.leased = conn; }
  onLeaseError(err: SluiceError): void { this.error = err; }
}

class RoutedWaiter extends Waiter implements Reroutable {
  rerouted = 0;
  reroute(): void { this.rerouted++; }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

t.test('one pool per host, made on first use; spare counts idle and room, less the queue', async (t) => {
  const p = pools(new Set([A]));
  t.equal(p.peek(A), undefined);
  t.equal(p.spare(A, 2), 2, 'a host without a pool has all of size free');
  const pool = p.get(A);
  t.equal(p.get(A), pool, 'the same pool after');
  const w = new Waiter();
  pool.acquire(w);
  await turn();
  t.ok(w.leased, 'leased on A');
  t.equal(pool.spare, 1);
  pool.release(w.leased!, true);
  t.equal(pool.spare, 2, 'an idle connection counts as spare');
  t.equal([...p.values()].length, 1);
  for (const x of p.values()) await x.close();
});

t.test('a host whose logins fail has no spare, and its waiters can be routed again', async (t) => {
  const p = pools(new Set([A]));
  const pool = p.get(B);
  const routed = new RoutedWaiter();
  const plain = new Waiter();
  pool.acquire(routed);
  pool.acquire(plain);
  await turn();
  await turn();
  t.equal(pool.spare, 0, 'in login backoff with nothing idle: saturated for routing');
  const fallback: LeaseWaiter<Conn>[] = [];
  p.rerouteWaiters(B, (w) => fallback.push(w));
  t.equal(routed.rerouted, 1, 'a routed waiter chooses again');
  t.strictSame(fallback, [plain], 'another waiter goes to the fallback');
  t.strictSame(pool.takeWaiters(), [], 'nothing is left queued');
  t.equal(routed.error, null, 'no error for work not yet sent');
  p.rerouteWaiters(A, () => t.fail('no pool on A, nothing to move'));
  await pool.close();
});
