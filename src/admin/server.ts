/**
 * The admin HTTP port: fastify with typebox schemas, Prometheus on /metrics, health, the
 * JSON views and control routes under /v1, and the OpenAPI document of those same routes.
 * Access control is `auth: none` only (config refuses a non-loopback address without it).
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { ListenAddress } from '../config/types.js';
import { SluiceError } from '../errors.js';
import type { AdminDeps } from './deps.js';
import { STATUS_BY_CODE } from './errors.js';
import { createMetrics } from './metrics.js';
import { recordRoute, type RouteRecord } from './openapi.js';
import { registerControlRoutes } from './routes-control.js';
import { registerReadRoutes } from './routes-read.js';

export class AdminServer {
  private readonly app: FastifyInstance;
  /** Where it is bound (the real port when configured as 0); null until listen(). */
  address: ListenAddress | null = null;

  constructor(deps: AdminDeps) {
    this.app = Fastify({ logger: false });
    const routes: RouteRecord[] = [];
    this.app.addHook('onRoute', (opts) => recordRoute(routes, opts));
    this.app.setErrorHandler((err: FastifyError, req, reply) => {
      if (err instanceof SluiceError) {
        const status = STATUS_BY_CODE[err.code] ?? 500;
        if (status >= 500) deps.log.error({ err, url: req.url }, 'admin request failed');
        const issues = 'issues' in err && Array.isArray(err.issues) ? { issues: err.issues as string[] } : {};
        return reply.code(status).send({ code: err.code, message: err.message, ...issues });
      }
      if (err.validation) return reply.code(400).send({ code: 'SLUICE_ADMIN_BAD_REQUEST', message: err.message });
      deps.log.error({ err, url: req.url }, 'admin request failed');
      return reply.code(err.statusCode && err.statusCode >= 400 ? err.statusCode : 500).send({ code: 'SLUICE_ADMIN_INTERNAL', message: err.message });
    });
    registerReadRoutes(this.app, deps, createMetrics(deps.inventory), routes);
    registerControlRoutes(this.app, deps);
  }

  async listen(at: ListenAddress): Promise<ListenAddress> {
    await this.app.listen({ host: at.host, port: at.port });
    const bound = this.app.server.address();
    this.address = bound !== null && typeof bound === 'object' ? { host: bound.address, port: bound.port } : at;
    return this.address;
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
