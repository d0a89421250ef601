/**
 * Throw-away PostgreSQL 15 clusters for tests that need an auth method the main cluster
 * (trust) cannot give: SCRAM-only and md5-only. Each lives in its own directory under /tmp,
 * owned by `postgres` because initdb and postgres refuse to run as root, listens on
 * 127.0.0.1 at a free port, and is built for speed, not durability (no fsync anywhere).
 */
import { execFile, execFileSync } from 'node:child_process';
import { chown, mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
export const PG_BIN = process.env.SLUICE_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const RUNUSER = '/usr/sbin/runuser';
const OS_USER = 'postgres';

export type ServerAuthMethod = 'scram-sha-256' | 'md5';

export interface TempCluster {
  host: '127.0.0.1';
  port: number;
  /** Unix socket directory; `local` connections there are trusted (superuser `postgres`). */
  socketDir: string;
  user: string;
  password: string;
  database: string;
  stop(): Promise<void>;
}

export const SCRAM_USER = 'scram_user';
export const SCRAM_PASSWORD = 'scram-pass';
export const SCRAM_DATABASE = 'scram_db';
export const MD5_USER = 'md5_user';
export const MD5_PASSWORD = 'md5-pass';
export const MD5_DATABASE = 'md5_db';

export function startScramOnlyCluster(): Promise<TempCluster> {
  return startCluster('scram-sha-256', SCRAM_USER, SCRAM_PASSWORD, SCRAM_DATABASE);
}

/** password_encryption is md5 too: with a SCRAM secret stored, PostgreSQL upgrades md5 to SCRAM. */
export function startMd5OnlyCluster(): Promise<TempCluster> {
  return startCluster('md5', MD5_USER, MD5_PASSWORD, MD5_DATABASE);
}

// Clusters a test forgot (or could not, after a crash) to stop; killed when the process exits.
const running = new Map<string, string>();
process.once('exit', () => {
  for (const [dir, dataDir] of running) {
    stopClusterNow(dataDir);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Immediate, synchronous stop for exit handlers; a cluster already gone is fine. */
export function stopClusterNow(dataDir: string): void {
  try {
    execFileSync(RUNUSER, ['-u', OS_USER, '--', join(PG_BIN, 'pg_ctl'), '-D', dataDir, 'stop', '-m', 'immediate'], { stdio: 'ignore' });
  } catch { /* already gone */ }
}

/** What a test may add to a temporary cluster: pg_hba lines, settings, and files in the data directory. */
export interface ClusterExtras {
  /** Replaces the default `host all all 127.0.0.1/32 <method>` line(s). */
  hostLines?: string[];
  /** More postgresql.conf lines, e.g. `ssl = on`. */
  settings?: string[];
  /** Written into the data directory before start, owned by postgres with mode 0600 (keys must be). */
  files?: Record<string, string>;
}

export async function startCluster(method: ServerAuthMethod, user: string, password: string, database: string, extras: ClusterExtras = {}): Promise<TempCluster> {
  const dir = await mkdtemp('/tmp/sluice-pg-');
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const { uid, gid } = osUser();
  await chown(dir, uid, gid);
  try {
    await asPostgres(join(PG_BIN, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--no-sync', '--no-instructions',
      '--encoding=UTF8', '--locale=C', '--auth-local=trust', `--auth-host=${method}`]);
    // Written by us, not initdb's --auth-host, so that IPv6 and replication lines do not exist.
    const hostLines = extras.hostLines ?? [`host all all 127.0.0.1/32 ${method}`];
    await writeFile(join(dataDir, 'pg_hba.conf'), ['local all all trust', ...hostLines].join('\n') + '\n');
    for (const [name, content] of Object.entries(extras.files ?? {})) {
      await writeFile(join(dataDir, name), content, { mode: 0o600 });
      await chown(join(dataDir, name), uid, gid);
    }
    const port = await startOnFreePort(dataDir, dir, method, logFile, extras.settings ?? []);
    running.set(dir, dataDir);
    await createRoleAndDb(dir, port, method, user, password, database);
    let stopped = false;
    return {
      host: '127.0.0.1', port, socketDir: dir, user, password, database,
      async stop() {
        if (stopped) return;
        stopped = true;
        running.delete(dir);
        await asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', dataDir, 'stop', '-m', 'immediate', '-w']).catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    running.delete(dir);
    await asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', dataDir, 'stop', '-m', 'immediate']).catch(() => undefined);
    const log = await readFile(logFile, 'utf8').catch(() => '');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`temporary ${method} cluster failed to start: ${(err as Error).message}\n${log.slice(-2000)}`);
  }
}

/** A port can be taken between our probe and postgres binding it, so retry a few times. */
async function startOnFreePort(dataDir: string, socketDir: string, method: ServerAuthMethod, logFile: string, settings: string[]): Promise<number> {
  const base = await readFile(join(dataDir, 'postgresql.conf'), 'utf8');
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    await writeFile(join(dataDir, 'postgresql.conf'), base);
    await appendFile(join(dataDir, 'postgresql.conf'), [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${socketDir}'`,
      `password_encryption = '${method}'`,
      'fsync = off', 'synchronous_commit = off', 'full_page_writes = off',
      'shared_buffers = 16MB', 'max_connections = 50', 'logging_collector = off',
      ...settings,
    ].join('\n') + '\n');
    try {
      await asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '30', 'start']);
      return port;
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

async function createRoleAndDb(socketDir: string, port: number, method: ServerAuthMethod, user: string, password: string, database: string): Promise<void> {
  const admin = new pg.Client({ host: socketDir, port, user: 'postgres', database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`SET password_encryption = ${pg.escapeLiteral(method)}`);
    await admin.query(`CREATE ROLE ${pg.escapeIdentifier(user)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)} OWNER ${pg.escapeIdentifier(user)}`);
  } finally {
    await admin.end();
  }
}

/** Run a PostgreSQL program as the `postgres` OS user (initdb and postgres refuse root). */
export function asPostgres(file: string, args: string[], timeoutMs = 60_000): Promise<unknown> {
  return run(RUNUSER, ['-u', OS_USER, '--', file, ...args], { timeout: timeoutMs });
}

export function osUser(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', OS_USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', OS_USER], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
