/**
 * Discovery on the admin port: start, pause and resume a run (operator), read runs, the catalog, its changes
 * and a search across sources (viewer). Everything is read from the DiscoveryService the
 * gateway runs; without a `discovery:` section every route but the status page's answers 409.
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { catalogView, searchCatalog } from '../discovery/catalog/view.js';
import { DiscoveryError } from '../discovery/errors.js';
import type { DiscoveryService, RunView } from '../discovery/service.js';
import { DiscoveryStatus } from '../discovery/status.js';
import type { AdminDeps } from './deps.js';
import { AdminNotFoundError, AdminUnavailableError } from './errors.js';
import { registerDiscoveryMetrics } from './metrics-discovery.js';
import { ErrorBody } from './schemas.js';
import {
  CatalogBody, ChangeItem, ChangesQuery, DiscoverBody, DiscoverParams, DiscoverReply, RunBody, RunParams, RunsQuery,
  DiscoveryStatusBody, SearchItem, SearchQuery, SourceSummaryItem,
} from './schemas-discovery.js';

const DAY_MS = 86_400_000;

/** `since` as ISO 8601 or ms since the epoch. */
function parseSince(text: string | undefined, now: number): number {
  if (text === undefined) return now - DAY_MS;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(ms)) throw new AdminUnavailableError(`since: ${JSON.stringify(text)} is neither an ISO 8601 time nor milliseconds since the epoch`);
  return ms;
}

export function registerDiscoveryRoutes(server: FastifyInstance, deps: AdminDeps, metrics: Registry): void {
  registerDiscoveryMetrics(metrics, () => deps.discovery?.() ?? null);
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['discovery'];
  const errors = { 404: ErrorBody, 409: ErrorBody };

  const service = (): DiscoveryService => {
    const s = deps.discovery?.() ?? null;
    if (s === null) throw new AdminUnavailableError('discovery is not configured; add a discovery: section to the configuration (docs/discovery.md)');
    return s;
  };
  const known = (s: DiscoveryService, name: string): string => {
    if (!s.sourceNames().includes(name)) throw new AdminNotFoundError(`no source named "${name}" with discovery enabled`);
    return name;
  };

  app.post('/v1/sources/:name/discover', {
    config: { access: 'operator' },
    schema: { summary: 'Start a discovery run of this source; answers with its id at once', tags, params: DiscoverParams, body: Type.Optional(DiscoverBody), response: { 202: DiscoverReply, ...errors } },
  }, async (req, reply) => {
    const s = service();
    const source = known(s, req.params.name);
    try {
      const runId = await s.trigger(source, req.body?.strategy);
      return reply.code(202).send({ runId, source });
    } catch (err) {
      if (err instanceof DiscoveryError) throw new AdminUnavailableError(`${err.code}: ${err.message}`);
      throw err;
    }
  });

  app.get('/v1/discovery/sources', { schema: { summary: 'Sources with discovery: last run, datasets and changes in the last day', tags, response: { 200: Type.Array(SourceSummaryItem), 409: ErrorBody } } }, async () => {
    const s = service();
    return Promise.all((await s.catalog.summaries(s.sourceNames())).map(async (x) => ({ ...x, lastRun: x.lastRun && await s.run(x.lastRun.id) })));
  });

  // One per service: a reload that replaces the service starts a fresh digest cache with it.
  const statuses = new WeakMap<DiscoveryService, DiscoveryStatus>();
  // Unlike the other routes, no 409 without discovery: the status page asks every second and shows the section only when it is on.
  app.get('/v1/discovery/status', { schema: { summary: 'Per source in one call, for the status page: last run, next scheduled run, digest of the latest changes', tags, response: { 200: DiscoveryStatusBody } } }, async () => {
    const s = deps.discovery?.() ?? null;
    if (s === null) return { enabled: false, sources: [] };
    let status = statuses.get(s);
    if (status === undefined) statuses.set(s, status = new DiscoveryStatus(s));
    return { enabled: true, sources: await status.sources() };
  });

  app.get('/v1/discovery/runs', { schema: { summary: 'Discovery runs, newest first', tags, querystring: RunsQuery, response: { 200: Type.Array(RunBody), 409: ErrorBody } } }, async (req) => {
    const s = service();
    return Promise.all((await s.catalog.runs(req.query.source ?? null, req.query.limit ?? 50)).map(async (r) => (await s.run(r.id))!));
  });

  app.get('/v1/discovery/runs/:id', { schema: { summary: 'One run: status, progress while it runs, timings', tags, params: RunParams, response: { 200: RunBody, ...errors } } }, async (req) => {
    const run = await service().run(req.params.id);
    if (run === null) throw new AdminNotFoundError(`no discovery run ${req.params.id}`);
    return run;
  });

  /** The run as GET shows it, its progress now saying `paused` as asked; 409 unless it is in flight here. */
  const pauseRun = async (id: number, paused: boolean): Promise<RunView> => {
    const s = service();
    const run = await s.run(id);
    if (run === null) throw new AdminNotFoundError(`no discovery run ${id}`);
    // A run the catalog has seen end may still be wrapping up in the service: too late to pause.
    if (run.status === 'running' && s.setPaused(id, paused)) return run;
    const verb = paused ? 'pause' : 'resume';
    throw new AdminUnavailableError(run.status === 'running'
      ? `discovery run ${id} is not running in this Sluice process; ${verb} it on the admin port of the process that started it`
      : `discovery run ${id} has ${run.status}; only a run in flight can be paused or resumed (start a new one with POST /v1/sources/${run.source}/discover)`);
  };

  app.post('/v1/discovery/runs/:id/pause', {
    config: { access: 'operator' },
    schema: { summary: 'Pause a run in flight: the statement running finishes, no new one starts until resumed', tags, params: RunParams, response: { 200: RunBody, ...errors } },
  }, async (req) => pauseRun(req.params.id, true));

  app.post('/v1/discovery/runs/:id/resume', {
    config: { access: 'operator' },
    schema: { summary: 'Resume a paused run', tags, params: RunParams, response: { 200: RunBody, ...errors } },
  }, async (req) => pauseRun(req.params.id, false));

  app.get('/v1/sources/:name/catalog', { schema: { summary: 'The source as its last successful run saw it: datasets, fields with profiles and classifications, relationships', tags, params: DiscoverParams, response: { 200: CatalogBody, ...errors } } }, async (req) => {
    const s = service();
    return catalogView(s.catalog, known(s, req.params.name));
  });

  app.get('/v1/sources/:name/changes', { schema: { summary: 'Change events since a time (default: the last 24 hours)', tags, params: DiscoverParams, querystring: ChangesQuery, response: { 200: Type.Array(ChangeItem), ...errors } } }, async (req) => {
    const s = service();
    return s.catalog.changes(known(s, req.params.name), parseSince(req.query.since, Date.now()), req.query.limit ?? 1000);
  });

  app.get('/v1/catalog/search', { schema: { summary: 'Datasets and fields across sources whose name, type, comment or classification contains q', tags, querystring: SearchQuery, response: { 200: Type.Array(SearchItem), 409: ErrorBody } } }, async (req) => searchCatalog(service().catalog, req.query.q, req.query.limit ?? 100));
}
