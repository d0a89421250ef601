/**
 * The OpenAPI 3.1 document, built from the routes as fastify registers them (onRoute), so
 * every route and schema in it is exactly what the server validates and serializes with.
 */
import type { RouteOptions } from 'fastify';
import type { RouteAccess } from '../auth/admin-roles.js';
import { defaultAccess } from './access.js';

export interface RouteRecord {
  method: string;
  url: string;
  schema: Record<string, unknown>;
  access: RouteAccess;
}

type Json = Record<string, unknown>;

// The two documentation keys routes carry in their schema (as @fastify/swagger's routes do).
declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    tags?: string[];
  }
}

/** Typebox schemas carry symbol keys; a JSON round trip leaves the plain JSON Schema. */
function plain(schema: unknown): Json {
  return JSON.parse(JSON.stringify(schema)) as Json;
}

export function recordRoute(routes: RouteRecord[], opts: RouteOptions): void {
  // HEAD routes are fastify's automatic twins of GET routes.
  const methods = (Array.isArray(opts.method) ? opts.method : [opts.method]).filter((m) => m !== 'HEAD');
  for (const method of methods) {
    const access = opts.config?.access ?? defaultAccess(method);
    routes.push({ method: method.toLowerCase(), url: opts.url, schema: (opts.schema ?? {}) as Record<string, unknown>, access });
  }
}

export function openApiDocument(routes: readonly RouteRecord[], version: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operation: Json = {
      operationId: `${r.method}${path.replace(/[{}]/g, '').split(/[/.-]/).filter(Boolean).map((p) => p[0]!.toUpperCase() + p.slice(1)).join('')}`,
      summary: r.schema.summary ?? '',
      tags: r.schema.tags ?? [],
      responses: responses(r.schema, r.access),
      // The role a token needs (viewer < operator < admin); public routes need no token.
      'x-sluice-role': r.access,
      security: r.access === 'public' ? [] : [{ bearer: [] }],
    };
    const params = r.schema.params as { properties?: Record<string, unknown> } | undefined;
    const query = r.schema.querystring as { properties?: Record<string, unknown>; required?: string[] } | undefined;
    const parameters = [
      ...Object.entries(params?.properties ?? {}).map(([name, schema]) => ({ name, in: 'path', required: true, schema: plain(schema) })),
      ...Object.entries(query?.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: query?.required?.includes(name) ?? false, schema: plain(schema) })),
    ];
    if (parameters.length > 0) operation.parameters = parameters;
    (paths[path] ??= {})[r.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Sluice admin API', version },
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from `sluice token create`; not needed when admin.auth is none' } } },
  };
}

const DENIED = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] };

function responses(schema: Record<string, unknown>, access: RouteAccess): Json {
  const out: Json = {};
  const declared = (schema.response ?? {}) as Record<string, unknown>;
  for (const [status, body] of Object.entries(declared)) {
    out[status] = { description: status.startsWith('2') ? 'OK' : 'Error', content: { 'application/json': { schema: plain(body) } } };
  }
  // Only /metrics declares no body schema: Prometheus text exposition.
  if (Object.keys(out).length === 0) out['200'] = { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } };
  if (access !== 'public') {
    out['401'] = { description: 'No token, or an unknown one', content: { 'application/json': { schema: DENIED } } };
    out['403'] = { description: `The token's role is below ${access}`, content: { 'application/json': { schema: DENIED } } };
  }
  return out;
}
