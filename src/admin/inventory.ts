/**
 * The read model (inventory-types.ts) over the live PostgreSQL, Redis and MySQL proxies (Redis
 * and MySQL rows from redis-inventory.ts and mysql-inventory.ts, after PostgreSQL's): every call walks the
 * sources, pools and sessions as they are now, so the HTTP API, Prometheus and the console
 * show one truth and nothing on the forwarding path keeps a copy for them.
 */
import { tlsDescription } from '../proxy/tls/tls-description.js';
import type { Pool } from '../pool/pool.js';
import type { SessionHandle } from '../proxy/postgres/context.js';
import type { PgProxy } from '../proxy/postgres/pg-proxy.js';
import type { RedisProxy } from '../proxy/redis/redis-proxy.js';
import type { MysqlProxy } from '../proxy/mysql/mysql-proxy.js';
import type { PgServerConnection } from '../proxy/postgres/server-connection.js';
import type { HealthSnapshot } from '../health/types.js';
import type { ClientView, HostHealthView, HostView, Inventory, LatencyView, LoginFailureView, RedisSourceView, PoolView, ServerView, StatsView } from './inventory-types.js';
import { redisClients, redisHosts, redisPools, redisServers, redisStats } from './redis-inventory.js';
import { mysqlClients, mysqlHosts, mysqlLatencies, mysqlPools, mysqlServers, mysqlStats } from './mysql-inventory.js';

type PgPool = Pool<PgServerConnection>;

interface PoolEntry { source: string; user: string; pool: PgPool }

function healthView(h: HealthSnapshot): HostHealthView {
  return {
    state: h.state, observedRole: h.role, score: h.score,
    latencyEwmaMs: h.latencyEwma, latencyStddevMs: Math.sqrt(h.latencyVariance),
    errorRate: h.errorRate, inFlight: h.inFlight, lagSeconds: h.lagSeconds, poolUtilisation: h.utilisation,
    ejections: h.ejections, stateChanges: h.stateChanges,
  };
}

/** JSON has no Infinity: "not rising" travels as null. */
function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

export class GatewayInventory implements Inventory {
  /** Getters, not the proxies: the gateway creates its proxy in start(), after the admin side may exist. */
  constructor(private readonly proxy: () => PgProxy | null, private readonly redis: () => RedisProxy | null = () => null,
    private readonly mysql: () => MysqlProxy | null = () => null) {}

  redisSources(): RedisSourceView[] {
    const views: RedisSourceView[] = [];
    for (const [name, { source }] of this.redis()?.sources ?? []) {
      const d = source.dedicated.snapshot();
      views.push({
        source: name, clients: source.clients.size, sharedConnections: source.sharedConnections,
        dedicatedActive: d.active, dedicatedIdle: d.idle, dedicatedSize: d.size,
        ...source.stats,
      });
    }
    return views;
  }

  private *poolEntries(): IterableIterator<PoolEntry> {
    const proxy = this.proxy();
    if (proxy === null) return;
    for (const [source, s] of proxy.sources) for (const [user, pool] of s.pools) yield { source, user, pool };
  }

  private sessions(): Iterable<SessionHandle> {
    return this.proxy()?.sessions ?? [];
  }

  pools(): PoolView[] {
    const clients = new Map<PgPool, { active: number; waiting: number; idle: number }>();
    for (const s of this.sessions()) {
      if (s.pool === null) continue;
      let c = clients.get(s.pool);
      if (c === undefined) clients.set(s.pool, c = { active: 0, waiting: 0, idle: 0 });
      if (s.state === 'active') c.active++;
      else if (s.state === 'waiting') c.waiting++;
      else if (s.state === 'idle') c.idle++;
    }
    const now = Date.now();
    const views: PoolView[] = [];
    for (const { source, user, pool } of this.poolEntries()) {
      const snap = pool.snapshot();
      const c = clients.get(pool);
      let used = 0;
      for (const [, state] of pool.connections(now)) if (state === 'used') used++;
      views.push({
        source, user, mode: snap.mode, size: snap.size,
        clActive: c?.active ?? 0, clWaiting: c?.waiting ?? 0, clIdle: c?.idle ?? 0,
        svActive: snap.active, svIdle: snap.idle - used, svUsed: used, svTested: snap.tested, svLogin: snap.connecting,
        maxWaitUs: snap.maxWaitUs, paused: snap.paused, protocol: 'postgres',
        queueForecastSeconds: finiteOrNull(snap.queueForecastSeconds),
      });
    }
    views.push(...redisPools(this.redis()));
    views.push(...mysqlPools(this.mysql()));
    return views;
  }

  clients(): ClientView[] {
    const views: ClientView[] = [];
    for (const s of this.sessions()) {
      views.push({
        id: s.id,
        source: s.source?.name ?? '',
        user: s.user?.name ?? '',
        state: s.state,
        addr: s.remoteAddress,
        port: s.remotePort,
        connectedAt: s.connectedAt,
        serverId: s.server?.id ?? null,
        applicationName: s.applicationName,
        protocol: 'postgres',
        tls: tlsDescription(s.socket),
      });
    }
    views.push(...redisClients(this.redis()));
    views.push(...mysqlClients(this.mysql()));
    return views;
  }

  servers(): ServerView[] {
    const owners = new Map<PgServerConnection, number>();
    for (const s of this.sessions()) if (s.server !== null) owners.set(s.server, s.id);
    const now = Date.now();
    const views: ServerView[] = [];
    for (const { source, user, pool } of this.poolEntries()) {
      for (const [conn, state] of pool.connections(now)) {
        views.push({
          id: conn.id, source, user, host: conn.host.key, state,
          connectedAt: conn.createdAt, backendPid: conn.backendPid,
          clientId: owners.get(conn) ?? null,
          preparedStatements: conn.statements.size,
          protocol: 'postgres',
          tls: tlsDescription(conn.socket),
        });
      }
    }
    views.push(...redisServers(this.redis()));
    views.push(...mysqlServers(this.mysql()));
    return views;
  }

  /** Required: the optional fields of the shared contract are always filled here. */
  hosts(): Required<HostView>[] {
    const views: Required<HostView>[] = [];
    for (const [source, s] of this.proxy()?.sources ?? []) {
      for (const h of s.hosts.hosts) {
        const last = s.lastConnect.get(h.key);
        views.push({
          source, key: h.key, host: h.host, port: h.port,
          role: h.config.role, zone: h.config.zone, weight: h.config.weight,
          disabled: h.disabled, connections: h.connections,
          up: last === undefined ? null : last.error === null,
          lastError: last?.error ?? null,
          health: healthView(h.health.snapshot()),
          protocol: 'postgres',
        });
      }
    }
    views.push(...redisHosts(this.redis(), healthView));
    views.push(...mysqlHosts(this.mysql(), healthView));
    return views;
  }

  stats(): Required<StatsView>[] {
    // A lease in progress has not folded its bytes into the pool yet; add them so totals never lag a long session.
    const unfolded = new Map<PgPool, { in: number; out: number }>();
    for (const s of this.sessions()) {
      if (s.pool === null) continue;
      const u = unfolded.get(s.pool);
      if (u === undefined) unfolded.set(s.pool, { in: s.unfoldedBytesIn, out: s.unfoldedBytesOut });
      else { u.in += s.unfoldedBytesIn; u.out += s.unfoldedBytesOut; }
    }
    const views: Required<StatsView>[] = [];
    for (const { source, user, pool } of this.poolEntries()) {
      const t = pool.totals;
      const u = unfolded.get(pool);
      views.push({
        source, user,
        transactions: t.transactions, queries: t.queries,
        bytesIn: t.bytesIn + (u?.in ?? 0), bytesOut: t.bytesOut + (u?.out ?? 0),
        transactionTimeUs: t.transactionTimeUs, queryTimeUs: t.queryTimeUs, waitTimeUs: t.waitTimeUs,
        waitCount: t.waitCount, leases: t.leases,
        serverConnects: t.connects, serverConnectFailures: t.connectFailures, poolTimeouts: t.timeouts,
        protocol: 'postgres',
      });
    }
    views.push(...redisStats(this.redis()));
    views.push(...mysqlStats(this.mysql()));
    return views;
  }

  /**
   * Each pool's latency histograms, live (read them at once; the forwarding path keeps adding);
   * MySQL's per (source, user), added up at read time (mysql-inventory.ts).
   */
  latencies(): LatencyView[] {
    const views: LatencyView[] = [];
    for (const { source, user, pool } of this.poolEntries()) {
      const t = pool.totals;
      views.push({ source, user, transaction: t.transactionTimes, query: t.queryTimes, queuedWait: t.queuedWaitTimes, unqueuedLeases: t.leases - t.waitCount });
    }
    views.push(...mysqlLatencies(this.mysql()));
    return views;
  }

  loginFailures(): LoginFailureView[] {
    const views: LoginFailureView[] = [...this.proxy()?.sources ?? []].map(([source, s]) => ({ source, count: s.loginFailures }));
    for (const [source, count] of this.mysql()?.loginFailures ?? []) views.push({ protocol: 'mysql', source, count });
    return views;
  }
}
