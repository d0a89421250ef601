/**
 * Control routes: they change the running gateway through the same objects the proxy uses
 * (Pool.pause/resume/reconnect, SessionHandle.terminate, HostSet's disabled flag), never a copy.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { SQLSTATE } from '../wire/postgres/sqlstate.js';
import type { PgSource } from '../proxy/postgres/pg-source.js';
import type { AdminDeps } from './deps.js';
import { AdminNotFoundError, AdminUnavailableError } from './errors.js';
import { ClientParams, ErrorBody, HostControlBody, HostParams, KillBody, KillQuery, PoolsControlBody, ReloadBody, SourceParams } from './schemas.js';

const POOL_ACTIONS = {
  pause: 'New transactions wait until resume; transactions in flight finish',
  resume: 'Let waiting clients through again',
  reconnect: 'Retire every server connection: idle ones now, busy ones when released',
} as const;

export function registerControlRoutes(server: FastifyInstance, deps: AdminDeps): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['control'];
  const notFound = { 404: ErrorBody };

  const source = (name: string): PgSource => {
    const s = deps.proxy()?.sources.get(name);
    if (s === undefined) throw new AdminNotFoundError(`no source named "${name}"`);
    return s;
  };

  for (const action of Object.keys(POOL_ACTIONS) as (keyof typeof POOL_ACTIONS)[]) {
    app.post(`/v1/sources/:name/${action}`, {
      config: { access: 'operator' },
      schema: { summary: POOL_ACTIONS[action], tags, params: SourceParams, response: { 200: PoolsControlBody, ...notFound } },
    }, async (req) => {
      const s = source(req.params.name);
      for (const pool of s.pools.values()) pool[action]();
      deps.log.info({ source: s.name, action }, `admin: ${action} source`);
      return { source: s.name, action, pools: deps.inventory.pools().filter((p) => p.source === s.name) };
    });
  }

  app.post('/v1/clients/:id/kill', {
    config: { access: 'operator' },
    schema: {
      summary: 'Close a client connection (PostgreSQL: FATAL 57P01; Redis: an -ERR line, then the close; MySQL: ERR 1927)',
      tags, params: ClientParams, querystring: KillQuery, response: { 200: KillBody, ...notFound },
    },
  }, async (req) => {
    const id = req.params.id;
    if (req.query.protocol === 'redis') {
      for (const { source } of deps.redis?.()?.sources.values() ?? []) {
        for (const client of source.clients) {
          if (client.id !== id) continue;
          client.close('closed by an operator (Sluice admin API)');
          deps.log.info({ client: id, source: source.name, protocol: 'redis' }, 'admin: client killed');
          return { id, killed: true };
        }
      }
      throw new AdminNotFoundError(`no redis client with id ${id}`);
    }
    if (req.query.protocol === 'mysql') {
      for (const client of deps.mysql?.()?.clients ?? []) {
        if (client.connectionId !== id) continue;
        client.terminate('Connection was killed by an operator (Sluice admin API)');
        deps.log.info({ client: id, protocol: 'mysql' }, 'admin: client killed');
        return { id, killed: true };
      }
      throw new AdminNotFoundError(`no mysql client with id ${id}`);
    }
    for (const session of deps.proxy()?.sessions ?? []) {
      if (session.id !== id) continue;
      session.terminate(SQLSTATE.AdminShutdown, 'terminating connection due to administrator command (Sluice admin API)');
      deps.log.info({ client: id }, 'admin: client killed');
      return { id, killed: true };
    }
    throw new AdminNotFoundError(`no client with id ${id}`);
  });

  for (const disabled of [true, false]) {
    const action = disabled ? 'disable' : 'enable';
    app.post(`/v1/hosts/:source/:key/${action}`, {
      config: { access: 'operator' },
      schema: {
        summary: disabled ? 'Open no new server connections to this host (open ones stay until they retire)' : 'Let pools open connections to this host again',
        tags, params: HostParams, response: { 200: HostControlBody, ...notFound },
      },
    }, async (req) => {
      const s = source(req.params.source);
      const host = s.hosts.find(req.params.key);
      if (host === undefined) throw new AdminNotFoundError(`source "${s.name}" has no host "${req.params.key}"`);
      host.disabled = disabled;
      deps.log.info({ source: s.name, host: host.key }, `admin: host ${action}d`);
      return deps.inventory.hosts().find((h) => h.source === s.name && h.key === host.key)!;
    });
  }

  app.post('/v1/reload', {
    config: { access: 'admin' },
    schema: { summary: 'Re-read the configuration file and apply it (as SIGHUP)', tags, response: { 200: ReloadBody, 400: ErrorBody, 409: ErrorBody } },
  }, async () => {
    const reload = deps.reloadHandler();
    if (reload === null) throw new AdminUnavailableError('this Sluice was not started from a configuration file, so there is nothing to reload');
    return { changes: await reload() };
  });
}
