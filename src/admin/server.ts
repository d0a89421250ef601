/**
 * The admin HTTP port: fastify with typebox schemas, Prometheus on /metrics, health, the
 * JSON views and control routes under /v1, and the OpenAPI document of those same routes.
 * Every route but the probes needs a bearer token unless admin.auth is none (access.ts).
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { ListenAddress } from '../config/types.js';
import { SluiceError } from '../errors.js';
import { installAccessControl } from './access.js';
import type { AdminDeps } from './deps.js';
import { STATUS_BY_CODE } from './errors.js';
import { createMetrics } from './metrics.js';
import { registerHandshakeGateMetrics } from './metrics-tls.js';
import { registerAuthQueryMetrics } from './metrics-auth-query.js';
import { recordRoute, type RouteRecord } from './openapi.js';
import { registerControlRoutes } from './routes-control.js';
import { registerDiscoveryRoutes } from './routes-discovery.js';
import { registerReadRoutes } from './routes-read.js';
import { registerStatusRoutes } from './routes-status.js';

/** `admin.pause` for POST /v1/sources/app/pause: the route's last path segment names the action. */
function auditAction(url: string): string {
  const path = url.split('?')[0]!;
  return `admin.${path.slice(path.lastIndexOf('/') + 1) || 'root'}`;
}

function remote(req: FastifyRequest): string {
  return `${req.socket.remoteAddress ?? req.ip}:${req.socket.remotePort ?? 0}`;
}

export class AdminServer {
  private readonly app: FastifyInstance;
  /** Where it is bound (the real port when configured as 0); null until listen(). */
  address: ListenAddress | null = null;

  constructor(deps: AdminDeps) {
    this.app = Fastify({ logger: false });
    const routes: RouteRecord[] = [];
    this.app.addHook('onRoute', (opts) => recordRoute(routes, opts));
    installAccessControl(this.app, {
      settings: () => deps.config().admin ?? { auth: 'none', tokens: [] },
      onDenied: (req, denial) => {
        deps.log.warn({ actor: denial.actor, status: denial.status, reason: denial.reason, route: `${req.method} ${req.url}`, from: req.ip }, 'admin: request refused');
        deps.audit.record({
          actor: denial.actor,
          action: denial.status === 401 ? 'admin.auth' : auditAction(req.url),
          target: `${req.method} ${req.url}`,
          result: 'denied',
          source: remote(req),
          detail: { status: denial.status, reason: denial.reason, need: denial.need },
        });
      },
    });
    // Every call that may change something is audited once it is answered; refusals were recorded above.
    this.app.addHook('onResponse', async (req, reply) => {
      if (req.method === 'GET' || req.method === 'HEAD' || reply.statusCode === 401 || reply.statusCode === 403) return;
      deps.audit.record({
        actor: req.actor,
        action: auditAction(req.url),
        target: `${req.method} ${req.url}`,
        result: reply.statusCode < 400 ? 'ok' : 'failed',
        source: remote(req),
        ...(reply.statusCode >= 400 && { detail: { status: reply.statusCode } }),
      });
    });
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
    const metrics = createMetrics(deps.inventory, deps.auditLog, deps.loginGuard);
    registerHandshakeGateMetrics(metrics, function* () {
      const gate = deps.proxy()?.handshakeGate;
      if (gate !== undefined) yield ['postgres', gate];
      const mysqlGate = deps.mysql?.()?.handshakeGate;
      if (mysqlGate !== undefined) yield ['mysql', mysqlGate];
    });
    registerAuthQueryMetrics(metrics, () => deps.proxy()?.sources.values() ?? []);
    registerReadRoutes(this.app, deps, metrics, routes);
    registerControlRoutes(this.app, deps);
    registerStatusRoutes(this.app, deps);
    registerDiscoveryRoutes(this.app, deps, metrics);
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
