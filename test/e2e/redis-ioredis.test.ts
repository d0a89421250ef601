/**
 * ioredis through Sluice against the machine's Redis: pipelines, transactions, pub/sub
 * fanned out from one subscriber connection, blocking pops on dedicated connections, RESP3.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { startRedisSluice } from '../helpers/redis-sluice.js';

const P = `sluice-test:ioredis:${process.pid}:`;

function client(port: number, t: { teardown(fn: () => void): void }): Redis {
  const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => null });
  r.on('error', () => {});
  t.teardown(() => r.disconnect());
  return r;
}

t.test('ioredis: commands, a 1000-command pipeline, transactions', async (t) => {
  const s = await startRedisSluice();
  t.teardown(() => s.stop());
  const r = client(s.port, t);
  t.equal(await r.set(`${P}k`, 'v'), 'OK');
  t.equal(await r.get(`${P}k`), 'v');
  const pipe = r.pipeline();
  for (let i = 0; i < 1000; i++) pipe.incr(`${P}n`);
  const results = await pipe.exec();
  t.strictSame(results?.map(([, v]) => v), Array.from({ length: 1000 }, (_, i) => i + 1), 'replies in order');
  const tx = await r.multi().incr(`${P}n`).get(`${P}n`).exec();
  t.strictSame(tx, [[null, 1001], [null, '1001']]);
  // WATCH: a write by another client aborts the transaction.
  const other = client(s.port, t);
  await r.watch(`${P}k`);
  await other.set(`${P}k`, 'changed');
  t.equal(await r.multi().set(`${P}k`, 'mine').exec(), null, 'EXEC after a broken WATCH is null');
  t.equal(await r.get(`${P}k`), 'changed');
  await r.del(`${P}k`, `${P}n`);
});

t.test('ioredis: many clients pipelining at once keep their own order', async (t) => {
  const s = await startRedisSluice({ pool: 'shared_connections: 2' });
  t.teardown(() => s.stop());
  const clients = Array.from({ length: 50 }, () => client(s.port, t));
  await Promise.all(clients.map(async (c, i) => {
    const pipe = c.pipeline();
    for (let j = 0; j < 200; j++) pipe.rpush(`${P}list${i}`, String(j));
    pipe.lrange(`${P}list${i}`, 0, -1);
    pipe.del(`${P}list${i}`);
    const res = await pipe.exec();
    t.strictSame(res?.[200]?.[1], Array.from({ length: 200 }, (_, j) => String(j)), `client ${i}`);
  }));
  t.ok(s.gateway.redis.sources.get('cache')!.source.sharedConnections <= 2, 'on at most 2 shared connections');
});

t.test('ioredis: pub/sub fan-out, RESP2 and unsubscribe', async (t) => {
  const s = await startRedisSluice();
  t.teardown(() => s.stop());
  const subs = [client(s.port, t), client(s.port, t), client(s.port, t)];
  const pub = client(s.port, t);
  const got: string[][] = subs.map(() => []);
  subs.forEach((sub, i) => sub.on('message', (ch: string, msg: string) => got[i]!.push(`${ch}:${msg}`)));
  subs[2]!.on('pmessage', (_p: string, ch: string, msg: string) => got[2]!.push(`p ${ch}:${msg}`));
  t.equal(await subs[0]!.subscribe(`${P}ch`), 1);
  t.equal(await subs[1]!.subscribe(`${P}ch`, `${P}other`), 2);
  t.equal(await subs[2]!.psubscribe(`${P}c*`), 1);
  t.equal(await pub.publish(`${P}ch`, 'hello'), 2, 'the server sees one connection subscribed to the channel and to the pattern');
  await waitFor(() => got.every((g) => g.length >= 1));
  t.strictSame(got, [[`${P}ch:hello`], [`${P}ch:hello`], [`p ${P}ch:hello`]]);
  await subs[0]!.unsubscribe(`${P}ch`);
  await pub.publish(`${P}ch`, 'again');
  await waitFor(() => got[1]!.length >= 2);
  t.strictSame(got[0], [`${P}ch:hello`], 'an unsubscribed client gets nothing more');
  t.equal(await subs[0]!.get(`${P}absent`), null, 'out of subscribed mode, commands work again');
  const hub = s.gateway.redis.sources.get('cache')!.source.hub;
  await subs[1]!.unsubscribe();
  await subs[2]!.punsubscribe();
  await waitFor(() => hub.size === 0);
  t.equal(hub.size, 0, 'the last client leaving unsubscribes the server');
});

t.test('ioredis: blocking pops on dedicated connections', async (t) => {
  const s = await startRedisSluice({ pool: 'dedicated_size: 4' });
  t.teardown(() => s.stop());
  const waiters = [client(s.port, t), client(s.port, t), client(s.port, t)];
  const pusher = client(s.port, t);
  const pops = waiters.map((w) => w.blpop(`${P}q`, 5));
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(await pusher.get(`${P}none`), null, 'shared commands are not blocked by the waiting clients');
  await pusher.rpush(`${P}q`, 'a', 'b', 'c');
  const popped = await Promise.all(pops);
  t.strictSame(popped.map((p) => p?.[1]).sort(), ['a', 'b', 'c']);
  // The connections went back to the pool: three more blocking pops reuse them.
  const again = waiters.map((w) => w.brpop(`${P}q2`, 1));
  await pusher.lpush(`${P}q2`, 'x');
  t.equal((await Promise.all(again)).filter((p) => p !== null).length, 1);
  const pool = s.gateway.redis.sources.get('cache')!.source.dedicated;
  t.ok(pool.total <= 4, `dedicated connections ${pool.total} within dedicated_size`);
});

t.test('ioredis with RESP3 (HELLO 3): commands, pub/sub pushes', async (t) => {
  const s = await startRedisSluice();
  t.teardown(() => s.stop());
  const r = client(s.port, t);
  t.strictSame(await r.call('HELLO', '3').then(() => 'ok'), 'ok');
  t.equal(await r.set(`${P}r3`, '1'), 'OK');
  t.equal(await r.call('GET', `${P}r3`), '1');
  await r.del(`${P}r3`);
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
