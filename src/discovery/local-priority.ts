/**
 * Discovery's CPU priority on this machine. The run's worker thread runs at DISCOVERY_NICE; and
 * when the source's database server runs on this machine too (Sluice beside its database, as
 * PgBouncer often is), the server process or thread that answers discovery's own connection is
 * lowered to the same level, so on a busy host live traffic's backends get the CPU first and
 * discovery the rest. Without it, discovery's side of each sample (the server's planning,
 * scanning and first load of each table's catalog entries) runs at normal priority, whatever
 * the worker's nice, and each one delays the live transactions beside it.
 *
 * Everything here is best effort: not Linux, a remote server, a server in another PID
 * namespace, or no permission (setpriority on another user's process needs CAP_SYS_NICE)
 * leaves priorities as they are, and the throttle still paces the run. A process id a server
 * reports is only trusted after /proc shows it is that server serving that connection, so a
 * container's different PID namespace can never make Sluice renice an unrelated process.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** Linux nice level of discovery's work: below live traffic, still above the idle class. */
export const DISCOVERY_NICE = 10;

/** A host name or address that can only reach this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function lower(id: number): boolean {
  try {
    setPriority(id, DISCOVERY_NICE);
    return true;
  } catch {
    return false;
  }
}

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Lowers the calling thread (Linux schedules threads one by one; /proc/thread-self names it). */
export function lowerThreadPriority(): boolean {
  try {
    return lower(Number(readlinkSync('/proc/thread-self').split('/').pop()));
  } catch {
    return false;
  }
}

/**
 * A PostgreSQL backend, as `SELECT pg_backend_pid(), inet_client_port()` reported it. Its
 * process title (update_process_title, on by default) reads `postgres: … host(port) …`,
 * which ties the pid to this connection's client port.
 */
export function lowerPostgresBackend(pid: number, clientPort: number): boolean {
  const title = readProc(`/proc/${pid}/cmdline`);
  if (title === null || !title.startsWith('postgres') || !title.includes(`(${clientPort})`)) return false;
  return lower(pid);
}

/**
 * A MariaDB connection's thread, as `information_schema.processlist.tid` reported it (one
 * thread per connection, the default thread_handling). The thread must belong to a process
 * named mariadbd or mysqld; a pool-of-threads server moves connections between threads, where
 * lowering one would slow others' queries, so it is left alone.
 *
 * Returns what puts the thread back (null when it was left alone): the connector calls it
 * before it closes, because MariaDB keeps a closed connection's thread (thread_cache_size) for
 * the next connection, which would otherwise serve live traffic at discovery's priority. CI
 * caught exactly that: a live connection's cached thread at nice 10.
 */
export function lowerMariadbThread(tid: number, poolOfThreads: boolean): (() => void) | null {
  if (poolOfThreads) return null;
  const status = readProc(`/proc/${tid}/status`);
  const tgid = status === null ? null : /^Tgid:\s*(\d+)$/m.exec(status)?.[1];
  if (tgid === undefined || tgid === null || tgid === String(tid)) return null;
  const comm = readProc(`/proc/${tgid}/comm`)?.trim();
  if (comm !== 'mariadbd' && comm !== 'mysqld') return null;
  let original: number;
  try {
    original = getPriority(tid);
  } catch {
    return null;
  }
  if (!lower(tid)) return null;
  return () => {
    try {
      setPriority(tid, original);
    } catch {
      // The thread is gone: nothing is left to put back.
    }
  };
}
