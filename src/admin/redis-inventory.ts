/**
 * The Redis sources in the shared read model, in the PostgreSQL views' vocabulary so that
 * one /v1/pools, SHOW POOLS or status page lists every source: one pool per source (RESP
 * pools by source, not by user; its user is Sluice's login to the backend), mode statement
 * (each command is a unit of work on a shared connection), and the dedicated pool's figures.
 * Server connections carry their kind: shared, dedicated or subscriber.
 */
import type { HealthSnapshot } from '../health/types.js';
import type { RedisProxy } from '../proxy/redis/redis-proxy.js';
import type { RedisSource } from '../proxy/redis/redis-source.js';
import type { ClientView, HostHealthView, HostView, PoolView, ServerView, StatsView } from './inventory-types.js';

const PROTOCOL = 'redis' as const;

function sources(proxy: RedisProxy | null): RedisSource[] {
  return [...proxy?.sources.values() ?? []].map((r) => r.source);
}

/** The backend login every connection of the source uses (AUTH without a user names `default`). */
function serverUser(source: RedisSource): string {
  return source.config.server?.user ?? 'default';
}

/** "1.2.3.4:5" or "::1:5" → ["1.2.3.4", 5]. */
function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return i < 0 ? [address, 0] : [address.slice(0, i), Number(address.slice(i + 1)) || 0];
}

export function redisPools(proxy: RedisProxy | null): Required<PoolView>[] {
  const now = Date.now();
  const views: Required<PoolView>[] = [];
  for (const s of sources(proxy)) {
    const d = s.dedicated.snapshot();
    let used = 0;
    for (const [, state] of s.dedicated.connections(now)) if (state === 'used') used++;
    const clients = { active: 0, waiting: 0, idle: 0 };
    for (const c of s.clients) {
      const state = c.state;
      if (state === 'active') clients.active++;
      else if (state === 'waiting') clients.waiting++;
      else if (state === 'idle') clients.idle++;
    }
    const subscriber = s.hub.connection === null ? 0 : 1;
    views.push({
      protocol: PROTOCOL, source: s.name, user: serverUser(s), mode: 'statement', size: d.size,
      clActive: clients.active, clWaiting: clients.waiting, clIdle: clients.idle,
      // Shared and subscriber connections serve clients all the time: they count as active.
      svActive: d.active + s.sharedConnections + subscriber, svIdle: d.idle - used, svUsed: used, svTested: d.tested, svLogin: d.connecting,
      maxWaitUs: d.maxWaitUs, paused: d.paused,
      queueForecastSeconds: Number.isFinite(d.queueForecastSeconds) ? d.queueForecastSeconds : null,
    });
  }
  return views;
}

export function redisClients(proxy: RedisProxy | null): Required<ClientView>[] {
  const views: Required<ClientView>[] = [];
  for (const s of sources(proxy)) {
    for (const c of s.clients) {
      const [addr, port] = splitAddress(c.address);
      views.push({
        protocol: PROTOCOL, id: c.id, source: s.name, user: c.user ?? '', state: c.state, addr, port,
        connectedAt: c.connectedAt, serverId: c.serverId, applicationName: c.name,
        localAddr: c.localAddress, localPort: c.localPort,
        // Redis listeners do not speak TLS yet.
        tls: '',
      });
    }
  }
  return views;
}

export function redisServers(proxy: RedisProxy | null): Required<ServerView>[] {
  const now = Date.now();
  const views: Required<ServerView>[] = [];
  for (const s of sources(proxy)) {
    const user = serverUser(s);
    const base = { protocol: PROTOCOL, source: s.name, user, preparedStatements: 0, tls: '' };
    for (const [conn, pinned] of s.sharedLoad()) {
      views.push({ ...base, id: conn.id, host: conn.host.key, state: 'active', connectedAt: conn.createdAt, backendPid: conn.serverClientId, clientId: null, kind: 'shared', clients: pinned });
    }
    const owners = new Map<number, number>();
    for (const c of s.clients) if (c.serverId !== null) owners.set(c.serverId, c.id);
    for (const [conn, state] of s.dedicated.connections(now)) {
      const owner = state === 'active' ? owners.get(conn.id) ?? null : null;
      views.push({ ...base, id: conn.id, host: conn.host.key, state, connectedAt: conn.createdAt, backendPid: conn.serverClientId, clientId: owner, kind: 'dedicated', clients: owner === null ? 0 : 1 });
    }
    const sub = s.hub.connection;
    if (sub !== null) {
      views.push({ ...base, id: sub.id, host: sub.host.key, state: 'active', connectedAt: sub.createdAt, backendPid: sub.serverClientId, clientId: null, kind: 'subscriber', clients: s.hub.clientCount });
    }
  }
  return views;
}

export function redisHosts(proxy: RedisProxy | null, healthView: (h: HealthSnapshot) => HostHealthView): Required<HostView>[] {
  const views: Required<HostView>[] = [];
  for (const s of sources(proxy)) {
    for (const h of s.hosts.hosts) {
      const last = s.signals.lastConnect.get(h.key);
      views.push({
        protocol: PROTOCOL, source: s.name, key: h.key, host: h.host, port: h.port,
        role: h.config.role, zone: h.config.zone, weight: h.config.weight,
        disabled: h.disabled, connections: h.connections,
        up: last === undefined ? null : last.error === null,
        lastError: last?.error ?? null,
        health: healthView(h.health.snapshot()),
      });
    }
  }
  return views;
}

/** Commands are the queries; the dedicated pool's leases, waits and connects are the pool figures. */
export function redisStats(proxy: RedisProxy | null): Required<StatsView>[] {
  const views: Required<StatsView>[] = [];
  for (const s of sources(proxy)) {
    const t = s.dedicated.totals;
    views.push({
      protocol: PROTOCOL, source: s.name, user: serverUser(s),
      transactions: 0, queries: s.stats.commands, bytesIn: 0, bytesOut: 0,
      transactionTimeUs: 0, queryTimeUs: 0, waitTimeUs: t.waitTimeUs,
      waitCount: t.waitCount, leases: t.leases,
      serverConnects: t.connects, serverConnectFailures: t.connectFailures, poolTimeouts: t.timeouts,
    });
  }
  return views;
}
