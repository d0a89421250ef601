/**
 * The built Sluice CLI in front of a throw-away replicated cluster, for the routing benches
 * (bench:failover, bench:balance): every host `role: auto`, routed by health. Host health is
 * read over the admin API (/v1/hosts), as an operator would.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { Service, freePort, waitForPort } from './proc.js';
import { REPL_DATABASE, REPL_PASSWORD, REPL_USER } from '../test/helpers/replication.js';

// dist-bench/bench/routed-gateway.js -> the repository's dist/cli/main.js.
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface HostHealthRow {
  port: number;
  health: { state: string; observedRole: string; latencyEwmaMs: number; ejections: number };
}

export interface RoutedGateway {
  readonly service: Service;
  readonly url: string;
  hosts(): Promise<HostHealthRow[]>;
}

export async function startRoutedGateway(dir: string, ports: readonly number[], poolSize: number, routing: object): Promise<RoutedGateway> {
  const port = await freePort();
  const adminPort = await freePort();
  const config = join(dir, 'sluice.yaml');
  await writeFile(config, stringify({
    admin: { listen: `127.0.0.1:${adminPort}`, auth: 'none' },
    listeners: { postgres: { listen: `127.0.0.1:${port}`, max_client_conn: 5000 } },
    sources: {
      app: {
        kind: 'postgres',
        database: REPL_DATABASE,
        auth: 'trust',
        pool: { mode: 'transaction', size: poolSize, max_client_conn: 5000, server_login_retry: '100ms' },
        hosts: ports.map((p) => ({ host: '127.0.0.1', port: p, role: 'auto' })),
        users: [{ name: REPL_USER, password: REPL_PASSWORD }],
        routing,
        health: { probe_interval: '200ms', probe_timeout: '500ms' },
      },
    },
    log: { level: 'warn' },
  }));
  const service = new Service('sluice', process.execPath, [CLI, 'start', '--config', config], join(dir, 'sluice.log'));
  await waitForPort(port, service);
  await waitForPort(adminPort, service);
  const hosts = async (): Promise<HostHealthRow[]> => (await fetch(`http://127.0.0.1:${adminPort}/v1/hosts`)).json() as Promise<HostHealthRow[]>;
  const deadline = Date.now() + 30_000;
  // The admin API has no event for "every host probed"; poll it.
  while ((await hosts()).some((h) => h.health.observedRole === 'unknown')) {
    if (Date.now() > deadline) throw new Error('hosts were not probed within 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { service, url: `postgres://${REPL_USER}:${REPL_PASSWORD}@127.0.0.1:${port}/app`, hosts };
}
