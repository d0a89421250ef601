// Property test of pool policy: random interleavings of client and server events against a
// manual in-memory Connector whose connects, checks and resets settle when the test says so.
import fc from 'fast-check';
import t from 'tap';
import { ServerConnectError, type SluiceError } from '../../src/errors.js';
import { Pool } from '../../src/pool/pool.js';
import type { Connector, HostTarget, LeaseWaiter, PooledConnection } from '../../src/pool/types.js';

const HOST: HostTarget = { host: '127.0.0.1', port: 5432, key: '127.0.0.1:5432' };

class Conn implements PooledConnection {
  readonly createdAt = Date.now();
  lastUsedAt = this.createdAt;
  closed = false;
  constructor(readonly id: number, readonly host: HostTarget) {}
  close(): void {
    this.closed = true;
  }
}

interface Deferred<T> { resolve(value: T): void; reject(err: Error): void }

function deferred<T>(): { promise: Promise<T>; settle: Deferred<T> } {
  let settle: Deferred<T> = { resolve() {}, reject() {} };
  const promise = new Promise<T>((resolve, reject) => { settle = { resolve, reject }; });
  return { promise, settle };
}

class ManualConnector implements Connector<Conn> {
  readonly made: Conn[] = [];
  readonly connects: Deferred<Conn>[] = [];
  readonly tests: Deferred<void>[] = [];
  check?: () => Promise<void>;
  reset?: () => Promise<void>;

  constructor(withCheck: boolean, withReset: boolean) {
    if (withCheck) this.check = () => this.test();
    if (withReset) this.reset = () => this.test();
  }

  connect(): Promise<Conn> {
    const { promise, settle } = deferred<Conn>();
    this.connects.push(settle);
    return promise;
  }

  settleConnect(pick: number, ok: boolean): void {
    const [settle] = this.connects.splice(pick % this.connects.length, 1);
    if (settle === undefined) return;
    if (!ok) {
      settle.reject(new ServerConnectError('refused'));
      return;
    }
    const conn = new Conn(this.made.length + 1, HOST);
    this.made.push(conn);
    settle.resolve(conn);
  }

  settleTest(pick: number, ok: boolean): void {
    const [settle] = this.tests.splice(pick % this.tests.length, 1);
    if (ok) settle?.resolve();
    else settle?.reject(new ServerConnectError('check failed'));
  }

  private test(): Promise<void> {
    const { promise, settle } = deferred<void>();
    this.tests.push(settle);
    return promise;
  }
}

type Step =
  | { kind: 'acquire' }
  | { kind: 'release'; pick: number; reusable: boolean }
  | { kind: 'cancel'; pick: number }
  | { kind: 'drop'; pick: number }
  | { kind: 'connect'; pick: number; ok: boolean }
  | { kind: 'test'; pick: number; ok: boolean }
  | { kind: 'reconnect' }
  | { kind: 'pause' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'acquire' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat(), reusable: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('connect' as const), pick: fc.nat(), ok: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('test' as const), pick: fc.nat(), ok: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reconnect' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'pause' as const }) },
);

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

t.test('random interleavings never exceed size and call every waiter exactly once', async (t) => {
  await fc.assert(fc.asyncProperty(
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 0, max: 2 }),
    fc.boolean(),
    fc.boolean(),
    fc.array(step, { maxLength: 80 }),
    async (size, minSize, withCheck, session, steps) => {
      const connector = new ManualConnector(withCheck, session);
      const pool = new Pool<Conn>({
        name: 'prop/user',
        connector,
        pickHost: () => HOST,
        tickMs: 1_000_000,
        options: {
          mode: session ? 'session' : 'transaction', size, min_size: minSize, query_wait_timeout: 0,
          server_connect_timeout: 1000, server_login_retry: 0, server_lifetime: 0, server_idle_timeout: 0,
          server_check_query: withCheck ? 'SELECT 1' : '', server_check_delay: 0,
        },
      });
      const calls = new Map<LeaseWaiter<Conn>, number>();
      const holder = new Map<Conn, LeaseWaiter<Conn>>();
      const waiting: LeaseWaiter<Conn>[] = [];
      const cancelled = new Set<LeaseWaiter<Conn>>();
      const problems: string[] = [];
      const called = (w: LeaseWaiter<Conn>): void => {
        calls.set(w, (calls.get(w) ?? 0) + 1);
        const at = waiting.indexOf(w);
        if (at >= 0) waiting.splice(at, 1);
      };
      const newWaiter = (): LeaseWaiter<Conn> => {
        const w: LeaseWaiter<Conn> = {
          onLease(conn) {
            called(w);
            if (conn.closed) problems.push(`closed connection ${conn.id} handed out`);
            if (holder.has(conn)) problems.push(`connection ${conn.id} leased twice`);
            holder.set(conn, w);
          },
          onLeaseError(_err: SluiceError) { called(w); },
        };
        calls.set(w, 0);
        return w;
      };
      const check = (when: string): void => {
        const open = connector.made.filter((c) => !c.closed).length;
        if (open + connector.connects.length > size) problems.push(`${when}: ${open} open + ${connector.connects.length} connecting > size ${size}`);
        if (pool.total > size) problems.push(`${when}: pool.total ${pool.total} > size ${size}`);
        if (pool.snapshot().active !== holder.size) problems.push(`${when}: active ${pool.snapshot().active} != held ${holder.size}`);
        for (const [w, n] of calls) if (n > 1) problems.push(`${when}: waiter called ${n} times`);
      };
      const release = (conn: Conn, reusable: boolean): void => {
        holder.delete(conn);
        pool.release(conn, reusable);
      };

      for (const s of steps) {
        switch (s.kind) {
          case 'acquire': {
            const w = newWaiter();
            waiting.push(w);
            pool.acquire(w);
            break;
          }
          case 'release': {
            const held = [...holder.keys()];
            const conn = held[s.pick % Math.max(1, held.length)];
            if (conn !== undefined) release(conn, s.reusable);
            break;
          }
          case 'cancel': {
            const w = waiting[s.pick % Math.max(1, waiting.length)];
            if (w !== undefined && pool.cancelWait(w)) {
              waiting.splice(waiting.indexOf(w), 1);
              cancelled.add(w);
            }
            break;
          }
          case 'drop': {
            const live = connector.made.filter((c) => !c.closed);
            const conn = live[s.pick % Math.max(1, live.length)];
            if (conn !== undefined) {
              conn.closed = true;
              pool.onConnectionClosed(conn);
            }
            break;
          }
          case 'connect':
            if (connector.connects.length > 0) connector.settleConnect(s.pick, s.ok);
            break;
          case 'test':
            if (connector.tests.length > 0) connector.settleTest(s.pick, s.ok);
            break;
          case 'reconnect':
            pool.reconnect();
            break;
          case 'pause':
            if (pool.snapshot().paused) pool.resume();
            else pool.pause();
            break;
        }
        await flush();
        check(s.kind);
      }

      // Wind down: everything in flight settles, then close must answer every waiter left.
      pool.resume();
      const closed = pool.close();
      while (connector.connects.length > 0 || connector.tests.length > 0 || holder.size > 0) {
        if (connector.connects.length > 0) connector.settleConnect(0, true);
        if (connector.tests.length > 0) connector.settleTest(0, true);
        for (const conn of [...holder.keys()]) release(conn, true);
        await flush();
        check('wind-down');
      }
      await closed;
      for (const [w, n] of calls) {
        const expected = cancelled.has(w) ? 0 : 1;
        if (n !== expected) problems.push(`a waiter was called ${n} times, expected ${expected}`);
      }
      if (connector.made.some((c) => !c.closed)) problems.push('a connection outlived close()');
      if (problems.length > 0) throw new Error(problems.join('\n'));
    },
  ), { numRuns: 400 });
  t.pass('property held');
});
