/**
 * Prometheus exposition. Every series is computed in a collect() callback from the inventory
 * when scraped; the forwarding path only bumps plain numbers (DESIGN: hot path rules). The
 * registry is per admin server so that several gateways in one process (tests) never collide.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { AuditLog } from '../auth/audit/index.js';
import { BucketedHistogram } from './bucketed-histogram.js';
import type { GatewayInventory } from './inventory.js';
import type { HostHealthView, RedisSourceView } from './inventory-types.js';

const PROTOCOL = 'postgres';
const POOL_LABELS = ['source', 'user', 'protocol'] as const;
const HOST_LABELS = ['source', 'host', 'protocol'] as const;
type PoolLabel = typeof POOL_LABELS[number];

export function createMetrics(inventory: GatewayInventory, auditLog: () => AuditLog | null): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register });

  new Gauge({
    name: 'sluice_client_connections', help: 'Client connections by state', registers: [register],
    labelNames: [...POOL_LABELS, 'state'],
    collect() {
      this.reset();
      for (const p of inventory.pools()) {
        const l = { source: p.source, user: p.user, protocol: PROTOCOL };
        this.set({ ...l, state: 'active' }, p.clActive);
        this.set({ ...l, state: 'waiting' }, p.clWaiting);
        this.set({ ...l, state: 'idle' }, p.clIdle);
      }
      // Clients still logging in belong to no pool yet.
      let login = 0;
      for (const c of inventory.clients()) if (c.state === 'login') login++;
      this.set({ source: '', user: '', protocol: PROTOCOL, state: 'login' }, login);
    },
  });

  new Gauge({
    name: 'sluice_server_connections', help: 'Server connections by state, per pool', registers: [register],
    labelNames: [...POOL_LABELS, 'state'],
    collect() {
      this.reset();
      for (const p of inventory.pools()) {
        const l = { source: p.source, user: p.user, protocol: PROTOCOL };
        this.set({ ...l, state: 'active' }, p.svActive);
        this.set({ ...l, state: 'idle' }, p.svIdle);
        this.set({ ...l, state: 'used' }, p.svUsed);
        this.set({ ...l, state: 'tested' }, p.svTested);
        this.set({ ...l, state: 'login' }, p.svLogin);
      }
    },
  });

  new Gauge({
    name: 'sluice_server_connections_by_host', help: 'Logged-in server connections by state, per pool and host', registers: [register],
    labelNames: ['source', 'user', 'host', 'protocol', 'state'],
    collect() {
      this.reset();
      const counts = new Map<string, { labels: Record<string, string>; n: number }>();
      for (const sv of inventory.servers()) {
        const key = `${sv.source}\0${sv.user}\0${sv.host}\0${sv.state}`;
        const c = counts.get(key);
        if (c !== undefined) c.n++;
        else counts.set(key, { labels: { source: sv.source, user: sv.user, host: sv.host, protocol: PROTOCOL, state: sv.state }, n: 1 });
      }
      for (const { labels, n } of counts.values()) this.set(labels, n);
    },
  });

  poolGauge(register, 'sluice_pool_waiting_clients', 'Clients in the wait queue', (p) => p.clWaiting);
  poolGauge(register, 'sluice_pool_oldest_wait_seconds', 'Age of the oldest waiting client', (p) => p.maxWaitUs / 1e6);
  poolGauge(register, 'sluice_pool_size', 'Configured pool size', (p) => p.size);
  poolGauge(register, 'sluice_pool_paused', '1 while the pool is paused by an operator', (p) => (p.paused ? 1 : 0));

  statsCounter(register, 'sluice_transactions_total', 'Units of work that ended outside a transaction', (s) => s.transactions);
  statsCounter(register, 'sluice_queries_total', 'Queries (Query and Execute messages)', (s) => s.queries);
  statsCounter(register, 'sluice_client_received_bytes_total', 'Bytes received from clients', (s) => s.bytesIn);
  statsCounter(register, 'sluice_client_sent_bytes_total', 'Bytes sent to clients', (s) => s.bytesOut);
  statsCounter(register, 'sluice_transaction_seconds_total', 'Time spent in units of work', (s) => s.transactionTimeUs / 1e6);
  statsCounter(register, 'sluice_query_seconds_total', 'Time spent in queries', (s) => s.queryTimeUs / 1e6);
  statsCounter(register, 'sluice_pool_leases_total', 'Server connections handed to clients', (s) => s.leases);
  statsCounter(register, 'sluice_pool_waits_total', 'Leases that had to queue for a server connection', (s) => s.waitCount);

  const poolLabels = (source: string, user: string) => ({ source, user, protocol: PROTOCOL });
  new BucketedHistogram(`sluice_transaction_duration_seconds`, 'Units of work from first query to the ReadyForQuery that ends them', POOL_LABELS, register,
    () => inventory.latencies().map((l) => ({ labels: poolLabels(l.source, l.user), histogram: l.transaction })));
  new BucketedHistogram(`sluice_query_duration_seconds`, 'Queries from the client\'s Query or Execute to ReadyForQuery', POOL_LABELS, register,
    () => inventory.latencies().map((l) => ({ labels: poolLabels(l.source, l.user), histogram: l.query })));
  new BucketedHistogram(`sluice_pool_wait_seconds`, 'Time from asking for a server connection to getting one, every lease', POOL_LABELS, register,
    () => inventory.latencies().map((l) => ({ labels: poolLabels(l.source, l.user), histogram: l.queuedWait, extraZeros: l.unqueuedLeases })));

  new Counter({
    name: 'sluice_errors_total', help: 'Errors by stable code', registers: [register],
    labelNames: [...POOL_LABELS, 'code'],
    collect() {
      this.reset();
      for (const s of inventory.stats()) {
        const l = { source: s.source, user: s.user, protocol: PROTOCOL };
        this.inc({ ...l, code: 'SLUICE_POOL_TIMEOUT' }, s.poolTimeouts);
        this.inc({ ...l, code: 'SLUICE_SERVER_CONNECT' }, s.serverConnectFailures);
      }
      for (const f of inventory.loginFailures()) this.inc({ source: f.source, user: '', protocol: PROTOCOL, code: 'SLUICE_LOGIN_FAILED' }, f.count);
    },
  });

  new Gauge({
    name: 'sluice_host_up', help: '1 when the last connect to the host succeeded, 0 when it failed; absent before any connect', registers: [register],
    labelNames: HOST_LABELS,
    collect() {
      this.reset();
      for (const h of inventory.hosts()) if (h.up !== null) this.set({ source: h.source, host: h.key, protocol: PROTOCOL }, h.up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'sluice_host_info', help: 'Always 1; the host\'s configured role and zone as labels', registers: [register],
    labelNames: [...HOST_LABELS, 'role', 'zone'],
    collect() {
      this.reset();
      for (const h of inventory.hosts()) this.set({ source: h.source, host: h.key, protocol: PROTOCOL, role: h.role, zone: h.zone }, 1);
    },
  });
  new Gauge({
    name: 'sluice_host_connections', help: 'Server connections open to the host', registers: [register],
    labelNames: HOST_LABELS,
    collect() {
      this.reset();
      for (const h of inventory.hosts()) this.set({ source: h.source, host: h.key, protocol: PROTOCOL }, h.connections);
    },
  });
  new Gauge({
    name: 'sluice_host_disabled', help: '1 while an operator has disabled the host', registers: [register],
    labelNames: HOST_LABELS,
    collect() {
      this.reset();
      for (const h of inventory.hosts()) this.set({ source: h.source, host: h.key, protocol: PROTOCOL }, h.disabled ? 1 : 0);
    },
  });
  // Redis sources: one series per source (RESP names no user to pool by).
  const redisGauges: [string, string, (r: RedisSourceView) => number][] = [
    ['sluice_redis_clients', 'Redis client connections', (r) => r.clients],
    ['sluice_redis_shared_connections', 'Shared (pipelined) backend connections open', (r) => r.sharedConnections],
    ['sluice_redis_dedicated_active', 'Dedicated backend connections held by a client (MULTI, blocking, SELECT n ...)', (r) => r.dedicatedActive],
    ['sluice_redis_dedicated_idle', 'Dedicated backend connections idle in their pool', (r) => r.dedicatedIdle],
  ];
  for (const [name, help, value] of redisGauges) {
    new Gauge({
      name, help, registers: [register], labelNames: ['source', 'protocol'],
      collect() {
        this.reset();
        for (const r of inventory.redisSources()) this.set({ source: r.source, protocol: 'redis' }, value(r));
      },
    });
  }
  const redisCounters: [string, string, (r: RedisSourceView) => number][] = [
    ['sluice_redis_commands_total', 'Commands received from Redis clients', (r) => r.commands],
    ['sluice_redis_refused_commands_total', 'Commands Sluice refused (SHUTDOWN, DEBUG, CONFIG SET ...)', (r) => r.refused],
    ['sluice_redis_dedicated_leases_total', 'Times a client took a dedicated connection', (r) => r.dedicatedLeases],
    ['sluice_redis_protocol_errors_total', 'Clients closed for malformed RESP', (r) => r.protocolErrors],
    ['sluice_redis_output_limit_closes_total', 'Clients closed for not reading their replies (client_output_limit)', (r) => r.outputLimitCloses],
  ];
  for (const [name, help, value] of redisCounters) {
    new Counter({
      name, help, registers: [register], labelNames: ['source', 'protocol'],
      collect() {
        this.reset();
        for (const r of inventory.redisSources()) this.inc({ source: r.source, protocol: 'redis' }, value(r));
      },
    });
  }

  // The audit log's own health: a failing disk must page someone before records are dropped.
  const auditCounters: [string, string, (log: AuditLog) => number][] = [
    ['sluice_audit_records_total', 'Audit records written to the audit log', (l) => l.recordsWritten],
    ['sluice_audit_write_errors_total', 'Failed writes to the audit log (each is retried)', (l) => l.writeErrors],
    ['sluice_audit_dropped_records_total', 'Audit records lost because writes kept failing and the queue was full', (l) => l.droppedRecords],
  ];
  for (const [name, help, value] of auditCounters) {
    new Counter({
      name, help, registers: [register],
      collect() {
        this.reset();
        const log = auditLog();
        if (log !== null) this.inc(value(log));
      },
    });
  }
  new Gauge({
    name: 'sluice_audit_pending_records', help: 'Audit records waiting to be written', registers: [register],
    collect() {
      this.set(auditLog()?.pendingRecords ?? 0);
    },
  });
  hostHealthGauge(register, 'sluice_host_health_score', 'Routing score: latency EWMA × (1 + in flight) ÷ weight; lower is better', (h) => h.score);
  hostHealthGauge(register, 'sluice_host_latency_ewma_seconds', 'Moving average of query latency on the host', (h) => h.latencyEwmaMs / 1000);
  hostHealthGauge(register, 'sluice_host_latency_stddev_seconds', 'Moving standard deviation of query latency on the host', (h) => h.latencyStddevMs / 1000);
  hostHealthGauge(register, 'sluice_host_error_rate', 'Failures ÷ outcomes over the health window', (h) => h.errorRate);
  hostHealthGauge(register, 'sluice_host_in_flight', 'Server connections to the host owned by a client or a probe now', (h) => h.inFlight);
  hostHealthGauge(register, 'sluice_host_replication_lag_seconds', 'Replay lag reported by the host\'s last probe (absent on a primary)', (h) => h.lagSeconds);
  for (const [name, help, value] of [
    ['sluice_host_ejections_total', 'Times the host was ejected (marked down)', (h: HostHealthView) => h.ejections],
    ['sluice_host_state_changes_total', 'Changes of the host\'s health state', (h: HostHealthView) => h.stateChanges],
  ] as const) {
    new Counter({
      name, help, registers: [register], labelNames: HOST_LABELS,
      collect() {
        this.reset();
        for (const h of inventory.hosts()) this.inc({ source: h.source, host: h.key, protocol: PROTOCOL }, value(h.health));
      },
    });
  }
  new Gauge({
    name: 'sluice_host_state', help: '1 for the host\'s current health state (healthy, degraded, down, half-open, draining)', registers: [register],
    labelNames: [...HOST_LABELS, 'state'],
    collect() {
      this.reset();
      for (const h of inventory.hosts()) {
        for (const state of ['healthy', 'degraded', 'down', 'half-open', 'draining'] as const) {
          this.set({ source: h.source, host: h.key, protocol: PROTOCOL, state }, h.health.state === state ? 1 : 0);
        }
      }
    },
  });
  new Gauge({
    name: 'sluice_host_role', help: '1 for the role the host reports (primary, replica, unknown before a probe)', registers: [register],
    labelNames: [...HOST_LABELS, 'role'],
    collect() {
      this.reset();
      for (const h of inventory.hosts()) this.set({ source: h.source, host: h.key, protocol: PROTOCOL, role: h.health.observedRole }, 1);
    },
  });
  return register;

  function hostHealthGauge(reg: Registry, name: string, help: string, value: (h: HostHealthView) => number | null): void {
    new Gauge({
      name, help, registers: [reg], labelNames: HOST_LABELS,
      collect() {
        this.reset();
        for (const h of inventory.hosts()) {
          const v = value(h.health);
          if (v !== null && Number.isFinite(v)) this.set({ source: h.source, host: h.key, protocol: PROTOCOL }, v);
        }
      },
    });
  }

  function poolGauge(reg: Registry, name: string, help: string, value: (p: ReturnType<GatewayInventory['pools']>[number]) => number): void {
    new Gauge<PoolLabel>({
      name, help, registers: [reg], labelNames: POOL_LABELS,
      collect() {
        this.reset();
        for (const p of inventory.pools()) this.set({ source: p.source, user: p.user, protocol: PROTOCOL }, value(p));
      },
    });
  }

  function statsCounter(reg: Registry, name: string, help: string, value: (s: ReturnType<GatewayInventory['stats']>[number]) => number): void {
    new Counter<PoolLabel>({
      name, help, registers: [reg], labelNames: POOL_LABELS,
      collect() {
        // Counters only go up through inc(); the running total is the pool's, so start from zero each scrape.
        this.reset();
        for (const s of inventory.stats()) this.inc({ source: s.source, user: s.user, protocol: PROTOCOL }, value(s));
      },
    });
  }
}
