/**
 * The live status page (GET /) and the history its charts draw (GET /v1/stats/history).
 * The page holds no data, so it is served without a token; its script sends one to the API.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AdminDeps } from './deps.js';
import { HistoryBody, HistoryQuery } from './schemas-history.js';
import { StatsHistory } from './stats-history.js';
import { STATUS_PAGE_CSP, STATUS_PAGE_HTML } from './status-page/page.js';

/** Registers both routes and samples the inventory from now until the server closes. */
export function registerStatusRoutes(server: FastifyInstance, deps: Pick<AdminDeps, 'inventory'>): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const history = new StatsHistory(deps.inventory).start();
  app.addHook('onClose', async () => history.stop());

  // Public (access.ts): the shell carries no data; the API calls it makes need the token.
  app.get('/', {
    config: { access: 'public' },
    schema: { summary: 'Live status page (HTML): pools, hosts, throughput and latency charts', tags: ['status'] },
  }, async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', STATUS_PAGE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .send(STATUS_PAGE_HTML));

  app.get('/v1/stats/history', {
    schema: {
      summary: 'Per-source rates and averages, one sample a second over the last minutes',
      tags: ['read'],
      querystring: HistoryQuery,
      response: { 200: HistoryBody },
    },
  }, async (req) => ({
    intervalMs: history.intervalMs,
    capacity: history.capacity,
    startedAt: history.startedAt,
    now: Date.now(),
    samples: history.samples(req.query.since ?? 0),
  }));
}
