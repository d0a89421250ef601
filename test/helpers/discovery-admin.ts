/**
 * Discovery on the admin port for integration tests: a configuration with a viewer (`dash`)
 * and an operator (`oncall`) token and sources on the local PostgreSQL, and an AdminServer
 * over a DiscoveryService built from it, with a fetch helper.
 */
import { pino } from 'pino';
import type { Test } from 'tap';
import { GatewayInventory } from '../../src/admin/inventory.js';
import { AdminServer } from '../../src/admin/server.js';
import { generateAdminToken, hashAdminToken } from '../../src/auth/admin-tokens.js';
import { NO_AUDIT, type AuditSink } from '../../src/auth/audit/index.js';
import { parseConfig } from '../../src/config/load.js';
import { DiscoveryService } from '../../src/discovery/service.js';
import { PG_HOST, PG_PORT } from './postgres.js';

export const VIEWER = generateAdminToken();
export const OPERATOR = generateAdminToken();

/** Sources named `sources`, all on `database`; `discovery` is added under the discovery: section. */
export function discoveryYaml(database: string, catalog: string, sources: readonly string[] = ['app'], discovery = ''): string {
  const source = (name: string) => `
  ${name}:
    kind: postgres
    database: ${database}
    hosts: [{ host: ${PG_HOST}, port: ${PG_PORT} }]
    users: [{ name: postgres, password: unused }]`;
  return `
admin:
  listen: 127.0.0.1:0
  tokens:
    - { name: dash, role: viewer, hash: "${hashAdminToken(VIEWER)}" }
    - { name: oncall, role: operator, hash: "${hashAdminToken(OPERATOR)}" }
sources:${sources.map(source).join('')}
discovery:
  catalog: ${catalog}
  strategy: conservative
${discovery}`;
}

export interface Reply<T> { status: number; body: T }

export interface DiscoveryAdmin {
  service: DiscoveryService;
  /** `http://127.0.0.1:<port>` of the admin server. */
  base: string;
  call<T = unknown>(method: 'GET' | 'POST', path: string, token: string, body?: unknown): Promise<Reply<T>>;
  /** Stops the admin server, then the service (cancelling its runs in flight); once, also at teardown. */
  stop(): Promise<void>;
}

export async function startDiscoveryAdmin(t: Test, yaml: string, audit: AuditSink = NO_AUDIT): Promise<DiscoveryAdmin> {
  const config = await parseConfig(yaml, 'test');
  const log = pino({ level: 'silent' });
  const service = new DiscoveryService({ config: () => config.discovery!, sources: () => config.sources, health: () => null, log });
  const admin = new AdminServer({
    inventory: new GatewayInventory(() => null), proxy: () => null, config: () => config, listenerProblems: () => [],
    reloadHandler: () => null, log, audit, auditLog: () => null, discovery: () => service,
  });
  const base = `http://127.0.0.1:${(await admin.listen({ host: '127.0.0.1', port: 0 })).port}`;
  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => stopped ??= admin.close().then(() => service.close());
  t.teardown(stop);
  const call = async <T>(method: 'GET' | 'POST', path: string, token: string, body?: unknown): Promise<Reply<T>> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() as T };
  };
  return { service, base, call, stop };
}
