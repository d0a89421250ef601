/**
 * The MySQL/MariaDB sources in the shared read model, in the PostgreSQL views' vocabulary so
 * that one /v1/pools, SHOW POOLS or /metrics lists every source. A MySQL source keeps one pool
 * per user and client profile (capabilities and character set, mysql-source.ts); the views
 * add a user's profile pools up into one row per (source, user), as operators configure them.
 */
import type { HealthSnapshot } from '../health/types.js';
import { LatencyHistogram } from '../pool/latency-histogram.js';
import type { Pool } from '../pool/pool.js';
import type { MysqlClientSession } from '../proxy/mysql/client-session.js';
import type { MysqlProxy } from '../proxy/mysql/mysql-proxy.js';
import type { MysqlServerConnection } from '../proxy/mysql/server-connection.js';
import type { MysqlSource } from '../proxy/mysql/mysql-source.js';
import { tlsDescription } from '../proxy/tls/tls-description.js';
import type { ClientView, HostHealthView, HostView, LatencyView, PoolView, ServerView, StatsView } from './inventory-types.js';

const PROTOCOL = 'mysql' as const;

type MysqlPool = Pool<MysqlServerConnection>;

/** A source's pools grouped by user name, in the order they were made. */
function poolsByUser(source: MysqlSource): Map<string, MysqlPool[]> {
  const byUser = new Map<string, MysqlPool[]>();
  for (const { user, pool } of source.pools.values()) {
    const list = byUser.get(user);
    if (list === undefined) byUser.set(user, [pool]);
    else list.push(pool);
  }
  return byUser;
}

function sources(proxy: MysqlProxy | null): Iterable<MysqlSource> {
  return proxy?.sources.values() ?? [];
}

function clientsOf(proxy: MysqlProxy | null): Iterable<MysqlClientSession> {
  return proxy?.clients ?? [];
}

export function mysqlPools(proxy: MysqlProxy | null): Required<PoolView>[] {
  const clients = new Map<MysqlPool, { active: number; waiting: number; idle: number }>();
  for (const c of clientsOf(proxy)) {
    if (c.pool === null) continue;
    let n = clients.get(c.pool);
    if (n === undefined) clients.set(c.pool, n = { active: 0, waiting: 0, idle: 0 });
    const state = c.phase;
    if (state !== 'login') n[state]++;
  }
  const now = Date.now();
  const views: Required<PoolView>[] = [];
  for (const s of sources(proxy)) {
    for (const [user, pools] of poolsByUser(s)) {
      const v: Required<PoolView> = {
        protocol: PROTOCOL, source: s.name, user, mode: s.config.pool.mode, size: 0,
        clActive: 0, clWaiting: 0, clIdle: 0, svActive: 0, svIdle: 0, svUsed: 0, svTested: 0, svLogin: 0,
        maxWaitUs: 0, paused: false, queueForecastSeconds: null,
      };
      for (const pool of pools) {
        const snap = pool.snapshot();
        const c = clients.get(pool);
        let used = 0;
        for (const [, state] of pool.connections(now)) if (state === 'used') used++;
        v.size += snap.size;
        v.clActive += c?.active ?? 0;
        v.clWaiting += c?.waiting ?? 0;
        v.clIdle += c?.idle ?? 0;
        v.svActive += snap.active;
        v.svIdle += snap.idle - used;
        v.svUsed += used;
        v.svTested += snap.tested;
        v.svLogin += snap.connecting;
        v.maxWaitUs = Math.max(v.maxWaitUs, snap.maxWaitUs);
        v.paused ||= snap.paused;
        if (Number.isFinite(snap.queueForecastSeconds)) v.queueForecastSeconds = Math.min(v.queueForecastSeconds ?? Infinity, snap.queueForecastSeconds);
      }
      views.push(v);
    }
  }
  return views;
}

export function mysqlClients(proxy: MysqlProxy | null): Required<ClientView>[] {
  const local = proxy?.address ?? null;
  const views: Required<ClientView>[] = [];
  for (const c of clientsOf(proxy)) {
    views.push({
      protocol: PROTOCOL, id: c.connectionId, source: c.route?.source.name ?? '', user: c.route?.user.name ?? '',
      state: c.phase, addr: c.remoteAddress, port: c.remotePort, connectedAt: c.connectedAt,
      serverId: c.conn?.id ?? null,
      // MySQL clients send connection attributes, not an application name Sluice keeps.
      applicationName: '',
      localAddr: local?.host ?? '', localPort: local?.port ?? 0,
      tls: tlsDescription(c.transport),
    });
  }
  return views;
}

/** Every MySQL server connection is leased to one client at a time: no Redis-style kind or share count. */
export function mysqlServers(proxy: MysqlProxy | null): ServerView[] {
  const owners = new Map<MysqlServerConnection, number>();
  for (const c of clientsOf(proxy)) if (c.conn !== null) owners.set(c.conn, c.connectionId);
  const now = Date.now();
  const views: ServerView[] = [];
  for (const s of sources(proxy)) {
    for (const { user, pool } of s.pools.values()) {
      for (const [conn, state] of pool.connections(now)) {
        views.push({
          protocol: PROTOCOL, id: conn.id, source: s.name, user, host: conn.host.key, state,
          connectedAt: conn.createdAt, backendPid: 0, clientId: owners.get(conn) ?? null,
          preparedStatements: conn.statements.size, tls: conn.tls,
        });
      }
    }
  }
  return views;
}

export function mysqlHosts(proxy: MysqlProxy | null, healthView: (h: HealthSnapshot) => HostHealthView): Required<HostView>[] {
  const views: Required<HostView>[] = [];
  for (const s of sources(proxy)) {
    for (const h of s.hosts.hosts) {
      views.push({
        protocol: PROTOCOL, source: s.name, key: h.key, host: h.host, port: h.port,
        role: h.config.role, zone: h.config.zone, weight: h.config.weight,
        disabled: h.disabled, connections: h.connections,
        // MySQL sources keep no per-host record of their last connect; health.state carries the probes' verdict.
        up: null,
        lastError: null,
        health: healthView(h.health.snapshot()),
      });
    }
  }
  return views;
}

/**
 * Commands are the queries, timed from the command to the end of its answer; a unit of work
 * that ends outside a transaction is one transaction, timed from its first command.
 */
export function mysqlStats(proxy: MysqlProxy | null): Required<StatsView>[] {
  const views: Required<StatsView>[] = [];
  for (const s of sources(proxy)) {
    for (const [user, pools] of poolsByUser(s)) {
      const v: Required<StatsView> = {
        protocol: PROTOCOL, source: s.name, user, transactions: 0, queries: 0, bytesIn: 0, bytesOut: 0,
        transactionTimeUs: 0, queryTimeUs: 0, waitTimeUs: 0, waitCount: 0, leases: 0,
        serverConnects: 0, serverConnectFailures: 0, poolTimeouts: 0,
      };
      for (const { totals: t } of pools) {
        v.transactions += t.transactions;
        v.queries += t.queries;
        v.transactionTimeUs += t.transactionTimeUs;
        v.queryTimeUs += t.queryTimeUs;
        v.waitTimeUs += t.waitTimeUs;
        v.waitCount += t.waitCount;
        v.leases += t.leases;
        v.serverConnects += t.connects;
        v.serverConnectFailures += t.connectFailures;
        v.poolTimeouts += t.timeouts;
      }
      views.push(v);
    }
  }
  return views;
}

/**
 * The histograms of a user's profile pools added up, one view per (source, user) like the
 * other views: copies made at read time, so the forwarding path keeps one histogram a pool.
 * The protocol travels along for the metrics' label, as on the other MySQL views.
 */
export function mysqlLatencies(proxy: MysqlProxy | null): LatencyView[] {
  const views: LatencyView[] = [];
  for (const s of sources(proxy)) {
    for (const [user, pools] of poolsByUser(s)) {
      const v: LatencyView = {
        protocol: PROTOCOL, source: s.name, user, unqueuedLeases: 0,
        transaction: new LatencyHistogram(), query: new LatencyHistogram(), queuedWait: new LatencyHistogram(),
      };
      for (const { totals: t } of pools) {
        v.transaction.add(t.transactionTimes);
        v.query.add(t.queryTimes);
        v.queuedWait.add(t.queuedWaitTimes);
        v.unqueuedLeases += t.leases - t.waitCount;
      }
      views.push(v);
    }
  }
  return views;
}
