/**
 * A throw-away PostgreSQL 15 primary with streaming replicas made by pg_basebackup -R, for
 * routing and failover tests. Each cluster lives in its own directory under /tmp, runs as
 * `postgres` (initdb and postgres refuse root), listens on 127.0.0.1 at a free port and
 * trusts loopback, replication included. Built for speed, not durability (no fsync).
 */
import { appendFile, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { asPostgres as runAsPostgres, freePort, osUser, PG_BIN, stopClusterNow } from './cluster.js';

export const REPL_USER = 'app';
export const REPL_PASSWORD = 'app';
export const REPL_DATABASE = 'app';

export interface Node {
  readonly port: number;
  readonly dataDir: string;
  /** A superuser connection over the node's Unix socket. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string): Promise<R[]>;
  /** `pg_ctl stop -m immediate`: the host vanishes as in a crash. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** `pg_ctl promote -w`: out of recovery, accepting writes. */
  promote(): Promise<void>;
}

export interface ReplicatedCluster {
  readonly primary: Node;
  readonly replicas: readonly Node[];
  /** Stop everything and delete the directories. */
  destroy(): Promise<void>;
}

// Clusters a test could not stop (a crash); killed when the process exits.
const running = new Set<string>();
process.once('exit', () => {
  for (const dataDir of running) stopClusterNow(dataDir);
});

/** A primary with a table `items` (id serial, v text) owned by REPL_USER, and `replicaCount` caught-up replicas. */
export async function startReplicatedCluster(replicaCount: number): Promise<ReplicatedCluster> {
  const dir = await mkdtemp('/tmp/sluice-repl-');
  const { uid, gid } = osUser();
  await chown(dir, uid, gid);
  const nodes: Node[] = [];
  const destroy = async (): Promise<void> => {
    for (const n of nodes) await n.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const primaryDir = join(dir, 'primary');
    await asPostgres('initdb', ['-D', primaryDir, '-U', 'postgres', '--no-sync', '--no-instructions', '--encoding=UTF8', '--locale=C', '--auth=trust']);
    await writeFile(join(primaryDir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n');
    await appendFile(join(primaryDir, 'postgresql.conf'), [
      "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${dir}'`,
      'wal_level = replica', 'max_wal_senders = 10', 'hot_standby = on', 'hot_standby_feedback = on',
      'fsync = off', 'synchronous_commit = off', 'shared_buffers = 16MB', 'max_connections = 60', 'logging_collector = off',
    ].join('\n') + '\n');
    const primary = await startNode(primaryDir, dir);
    nodes.push(primary);
    await primary.query(`CREATE ROLE ${REPL_USER} LOGIN PASSWORD '${REPL_PASSWORD}'`);
    await primary.query(`CREATE DATABASE ${REPL_DATABASE} OWNER ${REPL_USER}`);
    await withClient(dir, primary.port, REPL_DATABASE, (c) => c.query(`CREATE TABLE items (id serial PRIMARY KEY, v text); ALTER TABLE items OWNER TO ${REPL_USER}`));
    for (let i = 0; i < replicaCount; i++) {
      const replicaDir = join(dir, `replica${i}`);
      await asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync']);
      nodes.push(await startNode(replicaDir, dir));
    }
    await waitForReplicas(primary, replicaCount);
    return { primary, replicas: nodes.slice(1), destroy };
  } catch (err) {
    await destroy().catch(() => undefined);
    throw err;
  }
}

/** Start a cluster at a free port (retrying: the port can be taken between probe and bind). */
async function startNode(dataDir: string, socketDir: string): Promise<Node> {
  const conf = join(dataDir, 'postgresql.conf');
  const base = await readFile(conf, 'utf8');
  const logFile = join(dataDir, '..', `${dataDir.split('/').pop()}.log`);
  let port = 0;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3 && port === 0; attempt++) {
    const candidate = await freePort();
    await writeFile(conf, `${base}port = ${candidate}\n`);
    try {
      await asPostgres('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
      port = candidate;
    } catch (err) {
      lastError = err;
    }
  }
  if (port === 0) throw new Error(`cluster in ${dataDir} did not start: ${String(lastError)}\n${(await readFile(logFile, 'utf8').catch(() => '')).slice(-2000)}`);
  running.add(dataDir);
  let up = true;
  return {
    port,
    dataDir,
    query: (sql) => withClient(socketDir, port, 'postgres', async (c) => (await c.query(sql)).rows),
    async stop() {
      if (!up) return;
      up = false;
      running.delete(dataDir);
      await asPostgres('pg_ctl', ['-D', dataDir, 'stop', '-m', 'immediate', '-w']).catch(() => undefined);
    },
    async start() {
      if (up) return;
      await asPostgres('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
      up = true;
      running.add(dataDir);
    },
    async promote() {
      await asPostgres('pg_ctl', ['-D', dataDir, 'promote', '-w', '-t', '60']);
    },
  };
}

/** Every replica streaming from the primary (pg_stat_replication), so reads see its data. */
async function waitForReplicas(primary: Node, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const [row] = await primary.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_replication WHERE state = 'streaming'");
    if (Number(row?.n) >= count) return;
    // pg_stat_replication has no change notification to wait on.
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${count} replicas did not start streaming within 30 s`);
}

async function withClient<T>(socketDir: string, port: number, database: string, use: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ host: socketDir, port, user: 'postgres', database });
  await c.connect();
  try {
    return await use(c);
  } finally {
    await c.end();
  }
}

function asPostgres(tool: string, args: string[]): Promise<unknown> {
  return runAsPostgres(join(PG_BIN, tool), args, 120_000);
}
