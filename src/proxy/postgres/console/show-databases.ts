/**
 * SHOW DATABASES, USERS and LISTS: the configured sources and users, and counts of everything.
 * Redis sources are listed after PostgreSQL's: database is the Redis database number their
 * shared connections use (0), pool_size the dedicated pool's size, pool_mode statement.
 */
import type { Inventory } from '../../../admin/inventory-types.js';
import type { RedisSourceConfig } from '../../../config/types.js';
import type { PgSource } from '../pg-source.js';
import { type ResultSet, cols } from './result.js';

export function showDatabases(sources: Iterable<PgSource>, redis: readonly RedisSourceConfig[], inv: Inventory): ResultSet {
  const columns = cols('name', 'host', 'port:int4', 'database', 'force_user', 'pool_size:int4', 'min_pool_size:int4', 'reserve_pool:int4',
    'pool_mode', 'max_connections:int4', 'current_connections:int4', 'paused:int4', 'disabled:int4');
  const pools = inv.pools();
  const hosts = inv.hosts();
  const rows = [...sources].map((s) => {
    const mine = hosts.filter((h) => h.source === s.name);
    const first = mine.find((h) => h.role !== 'replica') ?? mine[0];
    const myPools = pools.filter((p) => p.source === s.name);
    const paused = myPools.length > 0 && myPools.every((p) => p.paused);
    const disabled = mine.length > 0 && mine.every((h) => h.disabled);
    const current = mine.reduce((n, h) => n + h.connections, 0);
    const c = s.config;
    return [s.name, first?.host ?? null, first?.port ?? null, c.database, null, c.pool.size, c.pool.min_size, 0,
      c.pool.mode, 0, current, paused ? 1 : 0, disabled ? 1 : 0];
  });
  for (const c of redis) {
    const mine = hosts.filter((h) => h.source === c.name && h.protocol === 'redis');
    const first = mine.find((h) => h.role !== 'replica') ?? mine[0];
    const disabled = mine.length > 0 && mine.every((h) => h.disabled);
    const current = mine.reduce((n, h) => n + h.connections, 0);
    rows.push([c.name, first?.host ?? null, first?.port ?? null, '0', null, c.pool.dedicated_size, 0, 0,
      'statement', c.max_client_conn, current, 0, disabled ? 1 : 0]);
  }
  return { columns, rows };
}

export function showUsers(sources: Iterable<PgSource>, redis: readonly RedisSourceConfig[]): ResultSet {
  const names = new Set<string>();
  for (const s of sources) for (const u of s.config.users) names.add(u.name);
  for (const c of redis) for (const u of c.users) names.add(u.name);
  return { columns: cols('name', 'pool_mode'), rows: [...names].sort().map((n) => [n, null]) };
}

export function showLists(sources: Iterable<PgSource>, redis: readonly RedisSourceConfig[], inv: Inventory): ResultSet {
  const list = [...sources];
  const users = new Set([...list.flatMap((s) => s.config.users.map((u) => u.name)), ...redis.flatMap((c) => c.users.map((u) => u.name))]);
  const clients = inv.clients();
  const servers = inv.servers();
  const items: [string, number][] = [
    ['databases', list.length + redis.length],
    ['users', users.size],
    ['pools', inv.pools().length],
    ['free_clients', 0],
    ['used_clients', clients.filter((c) => c.state !== 'login').length],
    ['login_clients', clients.filter((c) => c.state === 'login').length],
    ['free_servers', 0],
    ['used_servers', servers.length],
    ['dns_names', 0],
    ['dns_zones', 0],
    ['dns_queries', 0],
    ['dns_pending', 0],
  ];
  return { columns: cols('list', 'items:int4'), rows: items };
}
