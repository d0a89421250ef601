/**
 * A redis-server of the test's own on a free port (no persistence, its own directory),
 * optionally a replica of the machine's Redis; stopped and removed at teardown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { REDIS_HOST, REDIS_PORT } from './redis-sluice.js';
import { freePortForTest } from './redis-ports.js';

export interface TestRedisServer {
  port: number;
  /** A direct connection to it. */
  direct: Redis;
  /** Kill it now (SIGKILL: no goodbye to its clients); resolves once it exited. */
  kill(): Promise<void>;
}

export async function startRedisServer(t: { teardown(fn: () => unknown): void }, o: { replicaOfLocal?: boolean } = {}): Promise<TestRedisServer> {
  const port = await freePortForTest();
  // Its own directory: a replica writes the RDB of its full sync to disk whatever --save says.
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-test-'));
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir];
  if (o.replicaOfLocal) args.push('--replicaof', REDIS_HOST, String(REDIS_PORT));
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const direct = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: (n) => (n > 50 ? null : 100) });
  direct.on('error', () => {});
  t.teardown(async () => {
    direct.disconnect();
    await kill();
    rmSync(dir, { recursive: true, force: true });
  });
  const deadline = Date.now() + 15_000;
  const ready = o.replicaOfLocal ? /master_link_status:up/ : /role:master/;
  while (!ready.test(await direct.info('replication').catch(() => ''))) {
    if (Date.now() > deadline) throw new Error(`the test redis-server on ${port} did not become ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, direct, kill };
}
