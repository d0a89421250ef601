/**
 * read_from: replica. A replica of the machine's Redis is started for the test (on a free
 * port, no persistence, stopped after): reads go to it, writes to the primary, and a client
 * that mixes them still gets its replies in order.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RawRedis, REDIS_HOST, REDIS_PORT, resp, startRedisSluice } from '../helpers/redis-sluice.js';
import { freePortForTest } from '../helpers/redis-ports.js';

const P = `sluice-test:replica:${process.pid}:`;

t.test('reads from the replica, writes to the primary, in order', async (t) => {
  const port = await freePortForTest();
  // Its own directory: a replica writes the RDB of its full sync to disk whatever --save says.
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-replica-'));
  const replica = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--replicaof', REDIS_HOST, String(REDIS_PORT), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  t.teardown(async () => {
    const exited = new Promise((resolve) => replica.once('exit', resolve));
    replica.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  const direct = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: (n) => (n > 50 ? null : 100) });
  direct.on('error', () => {});
  t.teardown(() => direct.disconnect());
  const deadline = Date.now() + 15_000;
  while (!/master_link_status:up/.test(await direct.info('replication').catch(() => ''))) {
    if (Date.now() > deadline) throw new Error('the test replica did not sync');
    await new Promise((r) => setTimeout(r, 100));
  }
  const s = await startRedisSluice({
    extra: `read_from: replica\n    hosts: [{ host: ${REDIS_HOST}, port: ${REDIS_PORT}, role: primary }, { host: 127.0.0.1, port: ${port}, role: replica }]`,
    omitHosts: true,
  });
  t.teardown(() => s.stop());
  const c = await RawRedis.connect(s.port);
  t.teardown(() => c.close());
  c.write(resp('SET', `${P}k`, 'v1'));
  t.equal(await c.read((x) => x.endsWith('\r\n')), '+OK\r\n', 'a write reaches the primary (a replica would answer READONLY)');
  let value = '';
  while (!value.includes('v1') && Date.now() < deadline) {
    c.write(resp('GET', `${P}k`));
    value = await c.read((x) => /^(?:\$-1\r\n|\$\d+\r\n[^\r]*\r\n)$/.test(x));
  }
  t.equal(value, '$2\r\nv1\r\n', 'the read is answered once the replica has the write');
  c.write(resp('SET', `${P}k`, 'v2') + resp('STRLEN', `${P}k`) + resp('DEL', `${P}k`) + resp('PING'));
  t.match(await c.read((x) => x.endsWith('+PONG\r\n')), /^\+OK\r\n:2\r\n:1\r\n\+PONG\r\n$/, 'a mixed pipeline keeps its order');
  const list = await direct.call('CLIENT', 'LIST') as string;
  t.match(list, /name=sluice-cache-shared-replica /, 'the replica serves Sluice\'s read connections');
});
