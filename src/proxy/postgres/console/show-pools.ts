/** SHOW POOLS: one row per (database, user) pool, PgBouncer 1.18's sixteen columns. */
import type { PoolView } from '../../../admin/inventory-types.js';
import { type ResultSet, cols } from './result.js';

export function showPools(pools: PoolView[]): ResultSet {
  const columns = cols('database', 'user', 'cl_active:int4', 'cl_waiting:int4', 'cl_active_cancel_req:int4', 'cl_waiting_cancel_req:int4',
    'sv_active:int4', 'sv_active_cancel:int4', 'sv_being_canceled:int4', 'sv_idle:int4', 'sv_used:int4', 'sv_tested:int4', 'sv_login:int4',
    'maxwait:int4', 'maxwait_us:int4', 'pool_mode');
  // PgBouncer counts logged-in clients without a server as cl_active too.
  const rows = pools.map((p) => [p.source, p.user, p.clActive + p.clIdle, p.clWaiting, 0, 0,
    p.svActive, 0, 0, p.svIdle, p.svUsed, p.svTested, p.svLogin,
    Math.floor(p.maxWaitUs / 1e6), p.maxWaitUs % 1e6, p.mode]);
  return { columns, rows };
}
