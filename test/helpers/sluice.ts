/**
 * Start a real Sluice gateway in the test process, on an ephemeral port, in front of the
 * machine's PostgreSQL (or another host), from YAML so the real loader is exercised.
 */
import pino from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import { PG_HOST, PG_PORT, TEST_DATABASE, TEST_PASSWORD, TEST_ROLE } from './postgres.js';

export interface TestSluice {
  gateway: Gateway;
  port: number;
  /** A connection string for a client of the test source. */
  url(opts?: { user?: string; password?: string; database?: string }): string;
  stop(): Promise<void>;
}

export interface TestSluiceOptions {
  mode?: 'session' | 'transaction' | 'statement';
  size?: number;
  auth?: 'scram-sha-256' | 'md5' | 'trust';
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  /** Extra YAML lines inside the source's pool mapping, e.g. "query_wait_timeout: 2s". */
  pool?: Record<string, string | number>;
  /** Extra YAML lines for the postgres listener, e.g. { client_login_timeout: '1s' }. */
  listener?: Record<string, string | number>;
  /** Name clients use as dbname; defaults to "app". */
  source?: string;
}

function flow(map: Record<string, string | number>): string {
  return Object.entries(map).map(([k, v]) => `${k}: ${typeof v === 'number' ? v : JSON.stringify(v)}`).join(', ');
}

export async function startSluice(o: TestSluiceOptions = {}): Promise<TestSluice> {
  const source = o.source ?? 'app';
  const user = o.user ?? TEST_ROLE;
  const password = o.password ?? TEST_PASSWORD;
  const pool = { mode: o.mode ?? 'transaction', size: o.size ?? 5, ...o.pool };
  const yaml = `
listeners:
  postgres: { listen: "127.0.0.1:0"${o.listener ? ', ' + flow(o.listener) : ''} }
sources:
  ${source}:
    kind: postgres
    database: ${o.database ?? TEST_DATABASE}
    auth: ${o.auth ?? 'scram-sha-256'}
    pool: { ${flow(pool)} }
    hosts:
      - { host: ${o.host ?? PG_HOST}, port: ${o.port ?? PG_PORT}, role: primary }
    users:
      - { name: ${user}, password: ${JSON.stringify(password)} }
`;
  const config = await parseConfig(yaml, 'test');
  const log = pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' });
  const gateway = new Gateway(config, log);
  await gateway.start();
  const port = gateway.postgresAddress!.port;
  return {
    gateway,
    port,
    url: (u = {}) => `postgres://${encodeURIComponent(u.user ?? user)}:${encodeURIComponent(u.password ?? password)}@127.0.0.1:${port}/${u.database ?? source}`,
    stop: () => gateway.shutdown(2000),
  };
}
