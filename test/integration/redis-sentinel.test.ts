/**
 * Failover through Redis Sentinel: a primary, a replica and a sentinel of their own are
 * started for the test (free ports, temporary directories, stopped after). Sluice finds the
 * primary through the sentinel and, after SENTINEL FAILOVER, sends writes to the new one.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RawRedis, resp, startRedisSluice } from '../helpers/redis-sluice.js';
import { freePortForTest } from '../helpers/redis-ports.js';

const MASTER = 'sluicetest';

function server(t: { teardown(fn: () => Promise<void>): void }, args: string[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-sentinel-'));
  const conf = join(dir, 'redis.conf');
  writeFileSync(conf, `dir ${dir}\n`);
  const child: ChildProcess = spawn('redis-server', [conf, ...args], { stdio: 'ignore' });
  t.teardown(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
}

function client(port: number, t: { teardown(fn: () => void): void }): Redis {
  const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: (n) => (n > 50 ? null : 100) });
  r.on('error', () => {});
  t.teardown(() => r.disconnect());
  return r;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('Sluice follows +switch-master', async (t) => {
  const [a, b, s] = [await freePortForTest(), await freePortForTest(), await freePortForTest()];
  const base = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  server(t, [...base, '--port', String(a)]);
  server(t, [...base, '--port', String(b), '--replicaof', '127.0.0.1', String(a)]);
  const sentinelDir = mkdtempSync(join(tmpdir(), 'sluice-sentinel-conf-'));
  t.teardown(() => rmSync(sentinelDir, { recursive: true, force: true }));
  const sentinelConf = join(sentinelDir, 'sentinel.conf');
  writeFileSync(sentinelConf, [
    `port ${s}`, 'bind 127.0.0.1', `dir ${sentinelDir}`,
    `sentinel monitor ${MASTER} 127.0.0.1 ${a} 1`,
    `sentinel down-after-milliseconds ${MASTER} 1000`,
    `sentinel failover-timeout ${MASTER} 5000`, '',
  ].join('\n'));
  const sentinelChild = spawn('redis-server', [sentinelConf, '--sentinel'], { stdio: 'ignore' });
  t.teardown(async () => {
    const exited = new Promise((resolve) => sentinelChild.once('exit', resolve));
    sentinelChild.kill('SIGTERM');
    await exited;
  });
  const replica = client(b, t);
  const sentinel = client(s, t);
  await until(async () => /master_link_status:up/.test(await replica.info('replication')), 'the replica to sync');
  await until(async () => ((await sentinel.call('SENTINEL', 'replicas', MASTER)) as unknown[]).length > 0, 'the sentinel to see the replica');

  const sluice = await startRedisSluice({ omitHosts: true, extra: `sentinel: { master: ${MASTER}, hosts: [{ host: 127.0.0.1, port: ${s} }] }` });
  t.teardown(() => sluice.stop());
  const c = await RawRedis.connect(sluice.port);
  t.teardown(() => c.close());
  c.write(resp('SET', 'k', 'before'));
  t.equal(await c.read((x) => x.endsWith('\r\n')), '+OK\r\n');
  t.equal(await client(a, t).get('k'), 'before', 'the write reached the first primary');

  await until(async () => (await sentinel.call('SENTINEL', 'FAILOVER', MASTER)) === 'OK', 'SENTINEL FAILOVER to be accepted');
  await until(async () => (await replica.call('ROLE') as unknown[])[0] === 'master', 'the replica to be promoted');
  await until(async () => {
    const d = await RawRedis.connect(sluice.port);
    try {
      d.write(resp('SET', 'k', 'after'));
      // During the switch the old primary may still take a write (and lose it when demoted).
      return (await d.read((x) => x.endsWith('\r\n') || d.closed, 2000)) === '+OK\r\n' && (await replica.get('k')) === 'after';
    } finally {
      d.close();
    }
  }, 'a write through Sluice to land on the new primary');
  c.write(resp('GET', 'k'));
  t.equal(await c.read((x) => x.endsWith('\r\n') || c.closed), '$5\r\nafter\r\n', 'a client from before the switch reads from the new primary');
});
