/**
 * PgBouncer, the anchor: the Debian package's binary with an ini written for the run. It
 * refuses to run as root, so it runs as `postgres` from a directory that user owns.
 */
import { chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Service, runCommand, waitForPort, type RunningPooler } from './proc.js';

export interface PoolerSetup {
  port: number;
  poolSize: number;
  maxClientConn: number;
  user: string;
  password: string;
  database: string;
}

const OS_USER = 'postgres';

export async function pgbouncerVersion(): Promise<string> {
  const result = await runCommand('pgbouncer', ['--version']);
  return result.stdout.split('\n')[0]?.replace(/^PgBouncer\s+/, '') || 'not installed';
}

export async function startPgbouncer(dir: string, setup: PoolerSetup): Promise<RunningPooler> {
  const home = join(dir, 'pgbouncer');
  await mkdir(home, { recursive: true });
  const ini = join(home, 'pgbouncer.ini');
  const pidFile = join(home, 'pgbouncer.pid');
  await writeFile(join(home, 'userlist.txt'), `"${setup.user}" "${setup.password}"\n`);
  await writeFile(ini, [
    '[databases]',
    `${setup.database} = host=127.0.0.1 port=5432 dbname=${setup.database}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${setup.port}`,
    "unix_socket_dir = ''",
    // The database itself is trust; PgBouncer still wants the user in auth_file.
    'auth_type = trust',
    `auth_file = ${join(home, 'userlist.txt')}`,
    'pool_mode = transaction',
    `default_pool_size = ${setup.poolSize}`,
    `max_client_conn = ${setup.maxClientConn}`,
    'ignore_startup_parameters = extra_float_digits',
    `pidfile = ${pidFile}`,
    `logfile = ${join(home, 'pgbouncer.log')}`,
    'log_connections = 0',
    'log_disconnections = 0',
    '',
  ].join('\n'));
  const uid = Number(execFileSync('id', ['-u', OS_USER], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', OS_USER], { encoding: 'utf8' }));
  for (const path of [dir, home, ini, join(home, 'userlist.txt')]) await chown(path, uid, gid);

  // runuser's PAM session resets the soft open-files limit to 1024, below 1,000 clients plus
  // the pool; raise it back to the hard limit we were given.
  const launch = 'ulimit -n "$(ulimit -Hn)" && exec pgbouncer "$1"';
  const service = new Service('pgbouncer', 'runuser', ['-u', OS_USER, '--', 'sh', '-c', launch, 'sh', ini], join(home, 'stdout.log'));
  await waitForPort(setup.port, service);
  // The pid file names pgbouncer itself, not the runuser wrapper that Service started.
  const pid = Number((await readFile(pidFile, 'utf8')).trim());
  return { service, pid };
}
