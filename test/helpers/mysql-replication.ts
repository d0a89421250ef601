/**
 * A throw-away MariaDB primary and replica for MySQL routing tests: each server lives in its
 * own directory under /tmp, runs as the `mysql` OS user (tests run as root), listens on
 * 127.0.0.1 at a free port and on a Unix socket where root logs in without a password. The
 * replica follows the primary by GTID (MASTER_USE_GTID=slave_pos) from the primary's first
 * binlog, so it gets the users and tables the primary was given. Built for speed, not
 * durability. Servers a test could not stop are killed when the process exits.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { chown, cp, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort } from './cluster.js';

const run = promisify(execFile);
const RUNUSER = '/usr/sbin/runuser';
const OS_USER = 'mysql';

export const REPL_MYSQL_USER = 'app';
export const REPL_MYSQL_PASSWORD = 'app';
export const REPL_MYSQL_DB = 'app';

export interface MariadbNode {
  readonly port: number;
  readonly serverId: number;
  /** As root over the node's Unix socket. */
  query<R = mysql.RowDataPacket[]>(sql: string): Promise<R>;
  stop(): Promise<void>;
}

export interface MariadbReplication {
  readonly primary: MariadbNode;
  readonly replica: MariadbNode;
  /** Resolves once the replica has applied everything the primary has written. */
  caughtUp(): Promise<void>;
  destroy(): Promise<void>;
}

// Pid files of servers still running, and their directories; killed and removed at exit.
const running = new Map<string, string>();
process.once('exit', () => {
  for (const [pidFile, dir] of running) {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
    } catch { /* already gone */ }
    rmSync(dir, { recursive: true, force: true });
  }
});

export function asMysql(file: string, args: string[]): Promise<unknown> {
  return run(RUNUSER, ['-u', OS_USER, '--', file, ...args], { timeout: 120_000 });
}

export async function osIds(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', OS_USER])).stdout.trim());
  const gid = Number((await run('id', ['-g', OS_USER])).stdout.trim());
  return { uid, gid };
}

/** A primary with table `items` (id auto_increment, v text) in REPL_MYSQL_DB, and one caught-up replica. */
export async function startMariadbReplication(): Promise<MariadbReplication> {
  const dir = await mkdtemp('/tmp/sluice-mariadb-');
  const { uid, gid } = await osIds();
  await chown(dir, uid, gid);
  const nodes: MariadbNode[] = [];
  const destroy = async (): Promise<void> => {
    for (const n of nodes) await n.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const template = join(dir, 'template');
    await asMysql('/usr/bin/mariadb-install-db', ['--no-defaults', `--datadir=${template}`, '--auth-root-authentication-method=socket', '--skip-test-db']);
    await cp(template, join(dir, 'replica'), { recursive: true });
    await run('chown', ['-R', `${uid}:${gid}`, join(dir, 'replica')]);
    const primary = await startNode(dir, 'primary', template, 1);
    nodes.push(primary);
    await primary.query(`CREATE DATABASE ${REPL_MYSQL_DB}`);
    // No SUPER or READ ONLY ADMIN: read_only applies to this user. SLAVE MONITOR lets the probe read replica lag.
    await primary.query(`CREATE USER '${REPL_MYSQL_USER}'@'%' IDENTIFIED BY '${REPL_MYSQL_PASSWORD}'`);
    await primary.query(`GRANT ALL ON ${REPL_MYSQL_DB}.* TO '${REPL_MYSQL_USER}'@'%'`);
    await primary.query(`GRANT SLAVE MONITOR ON *.* TO '${REPL_MYSQL_USER}'@'%'`);
    await primary.query(`CREATE USER 'repl'@'%' IDENTIFIED BY 'repl'`);
    await primary.query(`GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%'`);
    await primary.query(`CREATE TABLE ${REPL_MYSQL_DB}.items (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT)`);
    const replica = await startNode(dir, 'replica', join(dir, 'replica'), 2);
    nodes.push(replica);
    await replica.query(`CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primary.port}, MASTER_USER='repl', MASTER_PASSWORD='repl', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1`);
    await replica.query('START SLAVE');
    await replica.query('SET GLOBAL read_only = 1');
    const caughtUp = async (): Promise<void> => {
      const [pos] = await primary.query<{ p: string }[]>('SELECT @@gtid_binlog_pos AS p');
      await replica.query(`SELECT MASTER_GTID_WAIT('${pos!.p}', 30)`);
    };
    await caughtUp();
    return { primary, replica, caughtUp, destroy };
  } catch (err) {
    await destroy().catch(() => undefined);
    throw err;
  }
}

/** `extraArgs` are added to mariadbd's command line (TLS settings, say). */
export async function startNode(dir: string, name: string, dataDir: string, serverId: number, extraArgs: string[] = []): Promise<MariadbNode> {
  const port = await freePort();
  const socket = join(dir, `${name}.sock`);
  const pidFile = join(dir, `${name}.pid`);
  const args = [
    '--no-defaults', `--datadir=${dataDir}`, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${socket}`,
    `--pid-file=${pidFile}`, `--server-id=${serverId}`, `--log-error=${join(dir, `${name}.err`)}`, '--log-bin=binlog',
    '--skip-name-resolve', '--innodb-buffer-pool-size=16M', '--innodb-flush-log-at-trx-commit=0', '--sync-binlog=0',
    '--max-connections=200', '--performance-schema=off', ...extraArgs,
  ];
  const child = spawn(RUNUSER, ['-u', OS_USER, '--', '/usr/sbin/mariadbd', ...args], { stdio: 'ignore', detached: true });
  child.unref();
  running.set(pidFile, dir);
  let pool: mysql.Pool | null = null;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const conn = await mysql.createConnection({ socketPath: socket, user: 'root' });
      await conn.end();
      break;
    } catch (err) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`mariadbd ${name} did not start: ${String(err)}; see ${join(dir, `${name}.err`)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  pool = mysql.createPool({ socketPath: socket, user: 'root', connectionLimit: 2 });
  let stopped = false;
  return {
    port,
    serverId,
    async query<R>(sql: string): Promise<R> {
      const [rows] = await pool!.query(sql);
      return rows as R;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await pool?.end().catch(() => undefined);
      try {
        const pid = Number(readFileSync(pidFile, 'utf8').trim());
        process.kill(pid, 'SIGKILL');
        // Wait for the process to go, so the directory can be removed.
        for (let i = 0; i < 100; i++) {
          try { process.kill(pid, 0); } catch { break; }
          await new Promise((r) => setTimeout(r, 50));
        }
      } catch { /* already gone */ }
      running.delete(pidFile);
    },
  };
}
