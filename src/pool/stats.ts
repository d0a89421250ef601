/**
 * Pool figures for SHOW POOLS, SHOW STATS and Prometheus. Totals are plain numbers bumped in
 * place on the lease path; gauges are read from the pool's own state when a snapshot is taken,
 * so there is one source of truth and no per-event allocation.
 */
import type { PoolMode } from '../config/types.js';
import { LatencyHistogram } from './latency-histogram.js';

export class PoolTotals {
  /** Leases handed out, fast path and queued alike. */
  leases = 0;
  /** Server connections opened and logged in. */
  connects = 0;
  /** Failed connect attempts, including "no host available". */
  connectFailures = 0;
  /** Waiters rejected by query_wait_timeout. */
  timeouts = 0;
  /** Time queued waiters spent before their lease, in microseconds... */
  waitTimeUs = 0;
  /** ...over this many leases (the fast path does not wait and is not counted). */
  waitCount = 0;
  // The protocol's session bumps the rest in place; the pool itself never reads them.
  /** Units of work that ended outside a transaction (PgBouncer xact_count). */
  transactions = 0;
  /** Queries sent (simple Query and extended Execute messages). */
  queries = 0;
  /** Bytes from clients to servers and back, folded in when a lease ends. */
  bytesIn = 0;
  bytesOut = 0;
  /** Time from a unit of work's first query to the ReadyForQuery that ends it, in microseconds. */
  transactionTimeUs = 0;
  /** Time from a query to its ReadyForQuery, in microseconds. */
  queryTimeUs = 0;
  /** The same three times, bucketed. Leases that never queued are not observed: they are leases − waitCount. */
  readonly transactionTimes = new LatencyHistogram();
  readonly queryTimes = new LatencyHistogram();
  readonly queuedWaitTimes = new LatencyHistogram();
}

/** What a pool connection is doing, in SHOW SERVERS' vocabulary. */
export type ServerState = 'active' | 'idle' | 'used' | 'tested';

/** A point-in-time copy, named after PgBouncer's SHOW POOLS columns where one exists. */
export interface PoolSnapshot {
  name: string;
  mode: PoolMode;
  size: number;
  paused: boolean;
  closing: boolean;
  /** cl_waiting */
  waiting: number;
  /** maxwait, in microseconds: age of the oldest waiter. */
  maxWaitUs: number;
  /** sv_active: leased to a client. */
  active: number;
  /** sv_idle */
  idle: number;
  /** sv_tested: running server_check_query or the session reset. */
  tested: number;
  /** sv_login: connecting and logging in. */
  connecting: number;
  leases: number;
  connects: number;
  connectFailures: number;
  timeouts: number;
  waitTimeUs: number;
  waitCount: number;
  /** Message of the last failed connect, null once a connect succeeds again. */
  lastConnectError: string | null;
  /** Seconds until the wait queue starts to grow on the demand trend; Infinity when not rising (queue-forecast.ts). */
  queueForecastSeconds: number;
}
