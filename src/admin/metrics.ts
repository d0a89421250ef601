/**
 * Prometheus exposition. Every series is computed when scraped from the inventory (the live
 * pools, hosts and sources); the forwarding path only bumps plain numbers (DESIGN: hot path
 * rules). The registry is per admin server so that several gateways in one process (tests)
 * never collide.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { AuditLog } from '../auth/audit/index.js';
import type { LoginGuard } from '../auth/login-guard.js';
import { registerLoginGuardMetrics } from './metrics-login-guard.js';
import { BucketedHistogram } from './bucketed-histogram.js';
import type { GatewayInventory } from './inventory.js';
import type { HostHealthView, HostView, PoolView, RedisSourceView, StatsView } from './inventory-types.js';
import { scrapedSeries, type Labels, type Row } from './scraped-series.js';

const PROTOCOL = 'postgres';
const POOL_LABELS = ['source', 'user', 'protocol'] as const;
const HOST_LABELS = ['source', 'host', 'protocol'] as const;
const REDIS_LABELS = ['source', 'protocol'] as const;
const HEALTH_STATES = ['healthy', 'degraded', 'down', 'half-open', 'draining'] as const;

const poolOf = (p: { source: string; user: string; protocol?: string }): Record<typeof POOL_LABELS[number], string> => ({ source: p.source, user: p.user, protocol: p.protocol ?? PROTOCOL });
const hostOf = (h: HostView): Labels => ({ source: h.source, host: h.key, protocol: h.protocol ?? PROTOCOL });

export function createMetrics(inventory: GatewayInventory, auditLog: () => AuditLog | null, loginGuard?: LoginGuard): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const gauge = (name: string, help: string, labels: readonly string[], rows: () => Iterable<Row>) => scrapedSeries(register, 'gauge', name, help, labels, rows);
  const counter = (name: string, help: string, labels: readonly string[], rows: () => Iterable<Row>) => scrapedSeries(register, 'counter', name, help, labels, rows);
  const perPool = (value: (p: PoolView) => number) => () => inventory.pools().map((p): Row => [poolOf(p), value(p)]);
  const perStats = (value: (s: StatsView) => number) => () => inventory.stats().map((s): Row => [poolOf(s), value(s)]);
  const perHost = (value: (h: HostView) => number | null) => function* (): Iterable<Row> {
    for (const h of inventory.hosts()) {
      const v = value(h);
      if (v !== null && Number.isFinite(v)) yield [hostOf(h), v];
    }
  };
  const perHealth = (value: (h: HostHealthView) => number | null) => perHost((h) => (h.health === undefined ? null : value(h.health)));
  const perRedis = (value: (r: RedisSourceView) => number) => () => inventory.redisSources().map((r): Row => [{ source: r.source, protocol: 'redis' }, value(r)]);

  // --- clients and server connections ---------------------------------------------------------
  gauge('sluice_client_connections', 'Client connections by state', [...POOL_LABELS, 'state'], function* () {
    for (const p of inventory.pools()) {
      yield [{ ...poolOf(p), state: 'active' }, p.clActive];
      yield [{ ...poolOf(p), state: 'waiting' }, p.clWaiting];
      yield [{ ...poolOf(p), state: 'idle' }, p.clIdle];
    }
    // PostgreSQL and MySQL clients still logging in belong to no source yet; a Redis client's listener names its source.
    const login = new Map<string, [Labels, number]>([['', [{ source: '', user: '', protocol: PROTOCOL, state: 'login' }, 0]]]);
    for (const c of inventory.clients()) {
      if (c.state !== 'login') continue;
      const protocol = c.protocol ?? PROTOCOL;
      const key = protocol === PROTOCOL ? '' : `${protocol}\0${c.source}`;
      const row = login.get(key) ?? [{ source: c.source, user: '', protocol, state: 'login' }, 0];
      row[1]++;
      login.set(key, row);
    }
    yield* login.values();
  });
  gauge('sluice_server_connections', 'Server connections by state, per pool', [...POOL_LABELS, 'state'], function* () {
    for (const p of inventory.pools()) {
      for (const [state, n] of [['active', p.svActive], ['idle', p.svIdle], ['used', p.svUsed], ['tested', p.svTested], ['login', p.svLogin]] as const) {
        yield [{ ...poolOf(p), state }, n];
      }
    }
  });
  gauge('sluice_server_connections_by_host', 'Logged-in server connections by state, per pool and host', ['source', 'user', 'host', 'protocol', 'state'], () => {
    const counts = new Map<string, [Labels, number]>();
    for (const sv of inventory.servers()) {
      const key = `${sv.protocol ?? PROTOCOL}\0${sv.source}\0${sv.user}\0${sv.host}\0${sv.state}`;
      const row = counts.get(key);
      if (row !== undefined) row[1]++;
      else counts.set(key, [{ source: sv.source, user: sv.user, host: sv.host, protocol: sv.protocol ?? PROTOCOL, state: sv.state }, 1]);
    }
    return counts.values();
  });

  // --- pools and their totals -------------------------------------------------------------------
  gauge('sluice_pool_waiting_clients', 'Clients in the wait queue', POOL_LABELS, perPool((p) => p.clWaiting));
  gauge('sluice_pool_oldest_wait_seconds', 'Age of the oldest waiting client', POOL_LABELS, perPool((p) => p.maxWaitUs / 1e6));
  gauge('sluice_pool_size', 'Configured pool size', POOL_LABELS, perPool((p) => p.size));
  gauge('sluice_pool_paused', '1 while the pool is paused by an operator', POOL_LABELS, perPool((p) => (p.paused ? 1 : 0)));
  gauge('sluice_pool_queue_forecast_seconds', 'Seconds until the wait queue starts to grow on the demand trend of the last minutes; 0 once clients queue, absent while demand is flat or falling', POOL_LABELS, function* () {
    for (const p of inventory.pools()) if (p.queueForecastSeconds !== undefined && p.queueForecastSeconds !== null) yield [poolOf(p), p.queueForecastSeconds];
  });

  counter('sluice_transactions_total', 'Units of work that ended outside a transaction', POOL_LABELS, perStats((s) => s.transactions));
  counter('sluice_queries_total', 'Queries (Query and Execute messages)', POOL_LABELS, perStats((s) => s.queries));
  counter('sluice_client_received_bytes_total', 'Bytes received from clients', POOL_LABELS, perStats((s) => s.bytesIn));
  counter('sluice_client_sent_bytes_total', 'Bytes sent to clients', POOL_LABELS, perStats((s) => s.bytesOut));
  counter('sluice_transaction_seconds_total', 'Time spent in units of work', POOL_LABELS, perStats((s) => s.transactionTimeUs / 1e6));
  counter('sluice_query_seconds_total', 'Time spent in queries', POOL_LABELS, perStats((s) => s.queryTimeUs / 1e6));
  counter('sluice_pool_leases_total', 'Server connections handed to clients', POOL_LABELS, perStats((s) => s.leases ?? 0));
  counter('sluice_pool_waits_total', 'Leases that had to queue for a server connection', POOL_LABELS, perStats((s) => s.waitCount ?? 0));
  counter('sluice_errors_total', 'Errors by stable code', [...POOL_LABELS, 'code'], function* () {
    for (const s of inventory.stats()) {
      yield [{ ...poolOf(s), code: 'SLUICE_POOL_TIMEOUT' }, s.poolTimeouts ?? 0];
      yield [{ ...poolOf(s), code: 'SLUICE_SERVER_CONNECT' }, s.serverConnectFailures ?? 0];
    }
    for (const f of inventory.loginFailures()) yield [{ source: f.source, user: '', protocol: f.protocol ?? PROTOCOL, code: 'SLUICE_LOGIN_FAILED' }, f.count];
  });

  new BucketedHistogram('sluice_transaction_duration_seconds', 'Units of work (transactions, or single statements outside one) from their first query to the answer that ends them', POOL_LABELS, register,
    () => inventory.latencies().map((l) => ({ labels: poolOf(l), histogram: l.transaction })));
  new BucketedHistogram('sluice_query_duration_seconds', 'Queries from the client\'s command (PostgreSQL Query or Execute, a MySQL command) to the end of its answer', POOL_LABELS, register,
    () => inventory.latencies().map((l) => ({ labels: poolOf(l), histogram: l.query })));
  new BucketedHistogram('sluice_pool_wait_seconds', 'Time from asking for a server connection to getting one, every lease', POOL_LABELS, register,
    () => inventory.latencies().map((l) => ({ labels: poolOf(l), histogram: l.queuedWait, extraZeros: l.unqueuedLeases })));

  // --- hosts and their health -------------------------------------------------------------------
  gauge('sluice_host_up', '1 when the last connect to the host succeeded, 0 when it failed; absent before any connect', HOST_LABELS, perHost((h) => (h.up === null || h.up === undefined ? null : h.up ? 1 : 0)));
  gauge('sluice_host_connections', 'Server connections open to the host', HOST_LABELS, perHost((h) => h.connections));
  gauge('sluice_host_disabled', '1 while an operator has disabled the host', HOST_LABELS, perHost((h) => (h.disabled ? 1 : 0)));
  gauge('sluice_host_info', 'Always 1; the host\'s configured role and zone as labels', [...HOST_LABELS, 'role', 'zone'],
    () => inventory.hosts().map((h): Row => [{ ...hostOf(h), role: h.role, zone: h.zone }, 1]));
  gauge('sluice_host_state', '1 for the host\'s current health state (healthy, degraded, down, half-open, draining)', [...HOST_LABELS, 'state'], function* () {
    for (const h of inventory.hosts()) for (const state of HEALTH_STATES) yield [{ ...hostOf(h), state }, h.health?.state === state ? 1 : 0];
  });
  gauge('sluice_host_role', '1 for the role the host reports (primary, replica, unknown before a probe)', [...HOST_LABELS, 'role'],
    () => inventory.hosts().map((h): Row => [{ ...hostOf(h), role: h.health?.observedRole ?? 'unknown' }, 1]));
  gauge('sluice_host_health_score', 'Routing score: latency EWMA × (1 + in flight) ÷ weight; lower is better', HOST_LABELS, perHealth((h) => h.score));
  gauge('sluice_host_latency_ewma_seconds', 'Moving average of query latency on the host', HOST_LABELS, perHealth((h) => h.latencyEwmaMs / 1000));
  gauge('sluice_host_latency_stddev_seconds', 'Moving standard deviation of query latency on the host', HOST_LABELS, perHealth((h) => h.latencyStddevMs / 1000));
  gauge('sluice_host_error_rate', 'Failures ÷ outcomes over the health window', HOST_LABELS, perHealth((h) => h.errorRate));
  gauge('sluice_host_in_flight', 'Server connections to the host owned by a client or a probe now', HOST_LABELS, perHealth((h) => h.inFlight));
  gauge('sluice_host_pool_utilisation', 'Server connections leased ÷ pool size over the host\'s pools; 1 is full (routing spills to the next zone tier)', HOST_LABELS, perHealth((h) => h.poolUtilisation));
  gauge('sluice_host_replication_lag_seconds', 'Replay lag reported by the host\'s last probe (absent on a primary)', HOST_LABELS, perHealth((h) => h.lagSeconds));
  counter('sluice_host_ejections_total', 'Times the host was ejected (marked down)', HOST_LABELS, perHealth((h) => h.ejections));
  counter('sluice_host_state_changes_total', 'Changes of the host\'s health state', HOST_LABELS, perHealth((h) => h.stateChanges));

  // --- Redis sources: one series per source (RESP names no user to pool by) --------------------
  gauge('sluice_redis_clients', 'Redis client connections', REDIS_LABELS, perRedis((r) => r.clients));
  gauge('sluice_redis_shared_connections', 'Shared (pipelined) backend connections open', REDIS_LABELS, perRedis((r) => r.sharedConnections));
  gauge('sluice_redis_dedicated_active', 'Dedicated backend connections held by a client (MULTI, blocking, SELECT n ...)', REDIS_LABELS, perRedis((r) => r.dedicatedActive));
  gauge('sluice_redis_dedicated_idle', 'Dedicated backend connections idle in their pool', REDIS_LABELS, perRedis((r) => r.dedicatedIdle));
  counter('sluice_redis_commands_total', 'Commands received from Redis clients', REDIS_LABELS, perRedis((r) => r.commands));
  counter('sluice_redis_refused_commands_total', 'Commands Sluice refused (SHUTDOWN, DEBUG, CONFIG SET ...)', REDIS_LABELS, perRedis((r) => r.refused));
  counter('sluice_redis_dedicated_leases_total', 'Times a client took a dedicated connection', REDIS_LABELS, perRedis((r) => r.dedicatedLeases));
  counter('sluice_redis_protocol_errors_total', 'Clients closed for malformed RESP', REDIS_LABELS, perRedis((r) => r.protocolErrors));
  counter('sluice_redis_output_limit_closes_total', 'Clients closed for not reading their replies (client_output_limit)', REDIS_LABELS, perRedis((r) => r.outputLimitCloses));

  // --- the audit log's own health: a failing disk must page someone before records are dropped --
  const perAudit = (value: (log: AuditLog) => number) => (): Row[] => {
    const log = auditLog();
    return log === null ? [] : [[{}, value(log)]];
  };
  counter('sluice_audit_records_total', 'Audit records written to the audit log', [], perAudit((l) => l.recordsWritten));
  counter('sluice_audit_write_errors_total', 'Failed writes to the audit log (each is retried)', [], perAudit((l) => l.writeErrors));
  counter('sluice_audit_dropped_records_total', 'Audit records lost because writes kept failing and the queue was full', [], perAudit((l) => l.droppedRecords));
  gauge('sluice_audit_pending_records', 'Audit records waiting to be written', [], () => [[{}, auditLog()?.pendingRecords ?? 0]]);
  if (loginGuard !== undefined) registerLoginGuardMetrics(register, loginGuard);
  return register;
}
