/**
 * Property: whatever mix of shared, local, dedicated and transaction commands a client
 * pipelines, cut into whatever chunks, Sluice answers byte for byte what Redis answers the
 * same stream directly — while other clients pipeline beside it on the same shared connection.
 * Keys differ between the two runs only in a same-length tag, so the replies are comparable.
 */
import t from 'tap';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { RawRedis, REDIS_HOST, REDIS_PORT, resp, startRedisSluice } from '../helpers/redis-sluice.js';
import { chunk } from '../helpers/chunks.js';

type Op = readonly (readonly string[])[];

const key = fc.constantFrom('a', 'b', 'list');
const value = fc.string({ minLength: 0, maxLength: 20 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(key, value).map(([k, v]) => [['SET', `K:${k}`, v]]),
  key.map((k) => [['GET', `K:${k}`]]),
  key.map((k) => [['INCR', `K:n${k}`]]),
  fc.tuple(value).map(([v]) => [['LPUSH', 'K:list2', v], ['LRANGE', 'K:list2', '0', '3']]),
  fc.constant([['PING']]),
  value.map((v) => [['ECHO', v]]),
  fc.constant([['MULTI'], ['INCR', 'K:tx'], ['GET', 'K:tx'], ['EXEC']]),
  fc.constant([['MULTI'], ['SET', 'K:d', 'x'], ['DISCARD'], ['EXISTS', 'K:d']]),
  fc.constant([['SELECT', '1'], ['SET', 'K:db1', 'y'], ['GET', 'K:db1'], ['DEL', 'K:db1'], ['SELECT', '0']]),
  fc.constant([['CLIENT', 'SETNAME', 'prop'], ['CLIENT', 'GETNAME']]),
  fc.constant([['NOSUCHCMD', 'x']]),
  fc.constant([['GET']]),
);

function stream(ops: Op[], tag: string): Buffer {
  return Buffer.from(ops.flat().map((args) => resp(...args.map((a) => a.replace(/^K:/, `sluice-test:prop:${tag}:`)))).join(''));
}

/** Send the chunks on a new connection; everything it answers, up to a final marker. */
async function exchange(port: number, chunks: Buffer[]): Promise<string> {
  const c = await RawRedis.connect(port);
  try {
    for (const piece of chunks) c.write(piece);
    c.write(resp('ECHO', 'END-OF-RUN'));
    return await c.read((x) => x.endsWith('$10\r\nEND-OF-RUN\r\n'), 10_000);
  } finally {
    c.close();
  }
}

t.test('pipelines answered as Redis answers them', async (t) => {
  const s = await startRedisSluice({ pool: 'shared_connections: 1, dedicated_size: 2' });
  t.teardown(() => s.stop());
  const cleanup = new Redis(REDIS_PORT, REDIS_HOST);
  t.teardown(async () => {
    const keys = await cleanup.keys(`sluice-test:prop:${process.pid}*`);
    if (keys.length > 0) await cleanup.del(...keys);
    await cleanup.select(1);
    const db1 = await cleanup.keys(`sluice-test:prop:${process.pid}*`);
    if (db1.length > 0) await cleanup.del(...db1);
    cleanup.disconnect();
  });
  // Another client keeps the shared connection busy throughout.
  const noisy = await RawRedis.connect(s.port);
  t.teardown(() => noisy.close());
  let run = 0;
  await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 8 }), async (ops, sizes) => {
    run++;
    // Same-length tags (d = direct, s = Sluice), so every reply has the same bytes.
    const tag = (side: string) => `${process.pid}:${String(run).padStart(4, '0')}${side}`;
    noisy.write(resp('INCR', `sluice-test:prop:${process.pid}:noise`).repeat(20));
    const direct = await exchange(REDIS_PORT, chunk(stream(ops, tag('d')), sizes));
    const through = await exchange(s.port, chunk(stream(ops, tag('s')), sizes));
    return through === direct;
  }), { numRuns: 40 });
  t.pass('40 random pipelines matched');
});
