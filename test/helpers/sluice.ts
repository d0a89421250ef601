/**
 * Start a real Sluice gateway in the test process, on an ephemeral port, in front of the
 * machine's PostgreSQL (or another host), from YAML so the real loader is exercised.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { diffConfig } from '../../src/config/diff.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import type { AdminRole } from '../../src/auth/admin-roles.js';
import { hashAdminToken } from '../../src/auth/admin-tokens.js';
import { PG_HOST, PG_PORT, TEST_DATABASE, TEST_PASSWORD, TEST_ROLE } from './postgres.js';

export interface TestSluice {
  gateway: Gateway;
  port: number;
  /** A connection string for a client of the test source. */
  url(opts?: { user?: string; password?: string; database?: string }): string;
  stop(): Promise<void>;
  /** With `admin`: the admin port's base URL, e.g. http://127.0.0.1:40123. */
  adminUrl: string;
  /** With `admin`: the YAML file POST /v1/reload re-reads (rewrite it, then reload), and its first text. */
  configFile: string;
  yaml: string;
}

export interface TestSluiceOptions {
  mode?: 'session' | 'transaction' | 'statement';
  size?: number;
  auth?: 'scram-sha-256' | 'md5' | 'trust' | 'any';
  /** Extra YAML lines in the source mapping, e.g. "fallback: true". */
  extraSource?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  /** Extra YAML lines inside the source's pool mapping, e.g. "query_wait_timeout: 2s". */
  pool?: Record<string, string | number>;
  /** Extra YAML lines for the postgres listener, e.g. { client_login_timeout: '1s' }. */
  listener?: Record<string, YamlValue>;
  /** Name clients use as dbname; defaults to "app". */
  source?: string;
  /** Start the admin HTTP port on 127.0.0.1:0, with a reload that re-reads a temporary config file as the CLI does. */
  admin?: boolean;
  /** Write the audit trail to this file (top-level `audit: { path }`). */
  auditPath?: string;
  /** With `admin`: require these bearer tokens (admin.auth token) instead of auth none. */
  adminTokens?: { name: string; role: AdminRole; token: string }[];
  /** Console users (admin.admin_users / admin.stats_users), added to the source's users with their passwords. */
  console?: { admin?: ConsoleUser[]; stats?: ConsoleUser[] };
}

export interface ConsoleUser { name: string; password: string; auth?: 'scram-sha-256' | 'md5' | 'trust' }

function adminYaml(o: TestSluiceOptions): { admin: string; users: string } {
  if (!o.admin && !o.console) return { admin: '', users: '' };
  const c = o.console ?? {};
  const names = (list?: ConsoleUser[]) => JSON.stringify((list ?? []).map((u) => u.name));
  const users = [...c.admin ?? [], ...c.stats ?? []]
    .map((u) => `\n      - { name: ${u.name}, password: ${JSON.stringify(u.password)}${u.auth ? `, auth: ${u.auth}` : ''} }`).join('');
  const auth = o.adminTokens
    ? `auth: token, tokens: [${o.adminTokens.map((t) => `{ name: ${t.name}, role: ${t.role}, hash: "${hashAdminToken(t.token)}" }`).join(', ')}]`
    : 'auth: none';
  return { admin: `admin: { listen: "127.0.0.1:0", ${auth}, admin_users: ${names(c.admin)}, stats_users: ${names(c.stats)} }\n`, users };
}

/** JSON is YAML's flow style, so nested settings (client_tls: { ... }) need no YAML writer. */
export type YamlValue = string | number | boolean | { [key: string]: YamlValue };

function flow(map: Record<string, YamlValue>): string {
  return Object.entries(map).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ');
}

export async function startSluice(o: TestSluiceOptions = {}): Promise<TestSluice> {
  const source = o.source ?? 'app';
  const user = o.user ?? TEST_ROLE;
  const password = o.password ?? TEST_PASSWORD;
  const pool = { mode: o.mode ?? 'transaction', size: o.size ?? 5, ...o.pool };
  const cons = adminYaml(o);
  const yaml = `
${cons.admin}${o.auditPath ? `audit: { path: ${JSON.stringify(o.auditPath)} }\n` : ''}listeners:
  postgres: { listen: "127.0.0.1:0"${o.listener ? ', ' + flow(o.listener) : ''} }
sources:
  ${source}:
    kind: postgres
    database: ${o.database ?? TEST_DATABASE}
    auth: ${o.auth ?? 'scram-sha-256'}${o.extraSource ? '\n    ' + o.extraSource : ''}
    pool: { ${flow(pool)} }
    hosts:
      - { host: ${o.host ?? PG_HOST}, port: ${o.port ?? PG_PORT}, role: primary }
    users:
      - { name: ${user}, password: ${JSON.stringify(password)} }${cons.users}
`;
  const config = await parseConfig(yaml, 'test');
  const log = pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' });
  const gateway = new Gateway(config, log);
  let configFile = '';
  if (o.admin) {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-test-'));
    configFile = join(dir, 'sluice.yaml');
    writeFileSync(configFile, yaml);
    // What the CLI's reload does: re-read the file, apply it, report the changes.
    gateway.reloadHandler = async () => {
      const next = await loadConfig(configFile);
      const changes = diffConfig(gateway.config, next);
      if (changes.length > 0) await gateway.reload(next);
      return changes;
    };
  }
  await gateway.start();
  const port = gateway.postgresAddress!.port;
  const admin = gateway.adminAddress;
  return {
    gateway,
    port,
    url: (u = {}) => `postgres://${encodeURIComponent(u.user ?? user)}:${encodeURIComponent(u.password ?? password)}@127.0.0.1:${port}/${u.database ?? source}`,
    stop: async () => {
      await gateway.shutdown(2000);
      if (configFile !== '') rmSync(join(configFile, '..'), { recursive: true, force: true });
    },
    adminUrl: admin ? `http://${admin.host}:${admin.port}` : '',
    configFile,
    yaml,
  };
}
