/** Sluice under benchmark: the built CLI with a config equivalent to the PgBouncer ini. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { Service, freePort, waitForPort, type RunningPooler } from './proc.js';
import type { PoolerSetup } from './pgbouncer.js';

// dist-bench/bench/sluice.js -> the repository's dist/cli/main.js, whatever the working directory.
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** More configuration: `sources` are added beside the benchmarked one, the rest at the top level (e.g. discovery). */
export interface ExtraConfig { sources?: Record<string, unknown>; [section: string]: unknown }

/** `listener`: more settings for listeners.postgres, e.g. client_tls. */
export async function startSluice(dir: string, setup: PoolerSetup, listener: Record<string, unknown> = {}, extra: ExtraConfig = {}): Promise<RunningPooler> {
  const { sources: extraSources, ...sections } = extra;
  const config = join(dir, 'sluice.yaml');
  const adminPort = await freePort();
  await writeFile(config, stringify({
    admin: { listen: `127.0.0.1:${adminPort}`, auth: 'none' },
    listeners: { postgres: { listen: `127.0.0.1:${setup.port}`, max_client_conn: setup.maxClientConn, ...listener } },
    sources: {
      [setup.database]: {
        kind: 'postgres',
        // Same client auth as the PgBouncer side (trust), so the runs compare pooling alone.
        auth: 'trust',
        hosts: [{ host: '127.0.0.1', port: 5432 }],
        pool: { mode: 'transaction', size: setup.poolSize, max_client_conn: setup.maxClientConn },
        users: [{ name: setup.user, password: setup.password }],
      },
      ...extraSources,
    },
    log: { level: 'warn' },
    ...sections,
  }));
  const service = new Service('sluice', process.execPath, [CLI, 'start', '--config', config], join(dir, 'sluice.log'));
  await waitForPort(setup.port, service);
  return { service, pid: service.pid ?? NaN, adminPort };
}
