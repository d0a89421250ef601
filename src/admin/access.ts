/**
 * Bearer-token access control for the admin port. Each route says what it needs in its
 * `config.access` (a role, or 'public' for probes and the status page's shell); a route that
 * says nothing needs viewer to read and admin to change anything, so a new route is closed
 * until someone decides otherwise. Refusals are answered here (401 without or with an unknown
 * token, 403 with a token whose role is too low) and reported to `onDenied` for the audit trail.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { roleAllows, type AdminRole, type RouteAccess } from '../auth/admin-roles.js';
import { AdminTokenRegistry, type AdminPrincipal, type AdminTokenConfig } from '../auth/admin-tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** Who made the request, for logs and the audit trail: `token:<name>` or `anonymous`. */
    actor: string;
  }
}

export interface AccessDenial {
  actor: string;
  status: 401 | 403;
  need: AdminRole;
  reason: string;
}

export interface AccessSettings {
  auth: 'token' | 'none';
  tokens: readonly AdminTokenConfig[];
}

export interface AccessOptions {
  /** Read on every request, so a reload that adds or removes a token takes effect at once. */
  settings(): AccessSettings;
  onDenied(req: FastifyRequest, denial: AccessDenial): void;
}

/** The role a route needs when it does not say. */
export function defaultAccess(method: string): AdminRole {
  return method === 'GET' || method === 'HEAD' ? 'viewer' : 'admin';
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function installAccessControl(app: FastifyInstance, options: AccessOptions): void {
  let registry = new AdminTokenRegistry([]);
  let registryOf: readonly AdminTokenConfig[] | null = null;
  app.decorateRequest('actor', 'anonymous');
  app.addHook('onRequest', async (req, reply) => {
    const access = req.routeOptions.config.access ?? defaultAccess(req.method);
    const settings = options.settings();
    if (settings.auth === 'none' || access === 'public') return;
    if (registryOf !== settings.tokens) {
      registry = new AdminTokenRegistry(settings.tokens);
      registryOf = settings.tokens;
    }
    const header = req.headers.authorization;
    const token = header === undefined ? null : BEARER.exec(header)?.[1] ?? null;
    const principal: AdminPrincipal | null = token === null ? null : registry.lookup(token);
    if (principal === null) {
      const reason = header === undefined ? 'no Authorization header' : token === null ? 'Authorization is not a Bearer token' : 'unknown token';
      options.onDenied(req, { actor: 'anonymous', status: 401, need: access, reason });
      return reply.code(401).header('www-authenticate', 'Bearer realm="sluice"').send({
        code: 'SLUICE_ADMIN_UNAUTHENTICATED',
        message: `${reason}: send "Authorization: Bearer <token>"; create a token with \`sluice token create --role ${access}\` and add the printed line to admin.tokens`,
      });
    }
    req.actor = `token:${principal.name}`;
    if (!roleAllows(principal.role, access)) {
      options.onDenied(req, { actor: req.actor, status: 403, need: access, reason: `role ${principal.role} below ${access}` });
      return reply.code(403).send({
        code: 'SLUICE_ADMIN_FORBIDDEN',
        message: `token "${principal.name}" has role ${principal.role}; ${req.method} ${req.routeOptions.url ?? req.url} needs ${access} or higher`,
      });
    }
  });
}
