/** Read-only routes: health, readiness, metrics and the JSON views of the inventory. */
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { redactConfig } from '../log.js';
import type { AdminDeps } from './deps.js';
import type { HostView } from './inventory-types.js';
import { openApiDocument, type RouteRecord } from './openapi.js';
import { readiness } from './readiness.js';
import { ClientItem, ConfigBody, HealthBody, HostItem, OpenApiBody, PoolItem, ReadyBody, RedisSourceItem, ServerItem, StatsItem, VersionBody } from './schemas.js';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

const pkg = createRequire(import.meta.url)('../../package.json') as { name: string; version: string };

export const VERSION = pkg.version;

function per(total: number, count: number): number {
  return count > 0 ? Math.round(total / count) : 0;
}

export function registerReadRoutes(server: FastifyInstance, deps: AdminDeps, metrics: Registry, routes: readonly RouteRecord[]): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const inv = deps.inventory;
  const tags = ['read'];

  app.get('/healthz', { config: { access: 'public' }, schema: { summary: 'The process is alive', tags: ['health'], response: { 200: HealthBody } } }, async () => ({ ok: true }));

  app.get('/readyz', { config: { access: 'public' }, schema: { summary: 'Listeners bound and every source has a reachable host', tags: ['health'], response: { 200: ReadyBody, 503: ReadyBody } } }, async (_req, reply) => {
    const sources = new Map<string, HostView[]>();
    for (const name of deps.proxy()?.sources.keys() ?? []) sources.set(name, []);
    for (const h of inv.hosts()) {
      // Redis and MySQL sources are known by their hosts (their listeners are bound at start).
      if ((h.protocol === 'redis' || h.protocol === 'mysql') && !sources.has(h.source)) sources.set(h.source, []);
      sources.get(h.source)?.push(h);
    }
    const reasons = await readiness({ listenerProblems: deps.listenerProblems(), sources });
    return reply.code(reasons.length === 0 ? 200 : 503).send({ ready: reasons.length === 0, reasons });
  });

  app.get('/metrics', { schema: { summary: 'Prometheus text exposition', tags: ['metrics'] } }, async (_req, reply) => {
    const text = await metrics.metrics();
    return reply.type(metrics.contentType).send(text);
  });

  app.get('/v1/pools', { schema: { summary: 'Pools (SHOW POOLS)', tags, response: { 200: Type.Array(PoolItem) } } }, async () => inv.pools());
  app.get('/v1/clients', { schema: { summary: 'Client connections (SHOW CLIENTS)', tags, response: { 200: Type.Array(ClientItem) } } }, async () => inv.clients());
  app.get('/v1/servers', { schema: { summary: 'Server connections (SHOW SERVERS)', tags, response: { 200: Type.Array(ServerItem) } } }, async () => inv.servers());
  app.get('/v1/redis', { schema: { summary: 'Redis sources: clients, connections and command counters', tags, response: { 200: Type.Array(RedisSourceItem) } } }, async () => inv.redisSources());
  app.get('/v1/hosts', { schema: { summary: 'Hosts of every source', tags, response: { 200: Type.Array(HostItem) } } }, async () => inv.hosts());
  app.get('/v1/stats', { schema: { summary: 'Totals and averages per pool (SHOW STATS)', tags, response: { 200: Type.Array(StatsItem) } } }, async () =>
    inv.stats().map((s) => ({
      ...s,
      avgTransactionTimeUs: per(s.transactionTimeUs, s.transactions),
      avgQueryTimeUs: per(s.queryTimeUs, s.queries),
      avgWaitTimeUs: per(s.waitTimeUs, s.waitCount),
    })));
  app.get('/v1/config', { schema: { summary: 'The running configuration, secrets masked', tags, response: { 200: ConfigBody } } }, async () => redactConfig(deps.config()));
  app.get('/v1/version', { schema: { summary: 'Sluice and Node.js versions', tags, response: { 200: VersionBody } } }, async () => ({ name: pkg.name, version: pkg.version, node: process.version }));
  app.get('/v1/openapi.json', { config: { access: 'public' }, schema: { summary: 'This document', tags, response: { 200: OpenApiBody } } }, async () => openApiDocument(routes, pkg.version));
}
