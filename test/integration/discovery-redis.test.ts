import t from 'tap';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { connectRedis } from '../../src/discovery/connectors/redis.js';
import { datasetId } from '../../src/discovery/types.js';

// Letters only, so the prefix itself is never mistaken for an id; a db of its own keeps other tests' keys out.
const PREFIX = `dsc${process.pid.toString(36).replace(/\d/g, (d) => String.fromCharCode(97 + Number(d)))}`;
const DB = 11;
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];

const redis = new Redis({ host: '127.0.0.1', port: 6379, db: DB, lazyConnect: true });

t.before(async () => {
  await redis.connect();
  const p = redis.pipeline();
  for (let i = 1; i <= 40; i++) p.hset(`${PREFIX}:user:${i}:cart`, { item: `sku-${i}`, qty: String(i) }).expire(`${PREFIX}:user:${i}:cart`, 3600);
  for (let i = 0; i < 30; i++) p.set(`${PREFIX}:session:${randomUUID()}`, `user${i}@example.com`, 'EX', 600);
  for (const n of NAMES) p.hset(`${PREFIX}:user:${n}:profile`, { email: `${n}@example.com`, name: n });
  p.zadd(`${PREFIX}:leaderboard`, 1, 'a', 2, 'b');
  p.rpush(`${PREFIX}:queue:emails`, 'x', 'y');
  await p.exec();
});

t.teardown(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}:*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
});

t.test('keyspace sampled with SCAN into patterns with type, TTL and memory', async (t) => {
  const connector = await connectRedis(
    { kind: 'redis', source: 'cache', host: '127.0.0.1', port: 6379, database: String(DB) },
    { statementTimeoutMs: 5000, maxValueLength: 256, scanCount: 100, sampleKeys: 100_000, sampleObjects: 0, sampleBytes: 0, sampleRows: 0, pace: async () => {} },
  );
  t.teardown(() => connector.close());
  const datasets = (await connector.introspect()).filter((d) => d.name.startsWith(`${PREFIX}:`));
  const byName = new Map(datasets.map((d) => [d.name.slice(PREFIX.length + 1), d]));
  t.strictSame([...byName.keys()].sort(), ['leaderboard', 'queue:emails', 'session:{id}', 'user:{id}:cart', 'user:{id}:profile']);

  const cart = byName.get('user:{id}:cart')!;
  t.equal(cart.kind, 'key_pattern');
  t.equal(cart.schema, `db${DB}`);
  t.match(cart.keyPattern, { sampledKeys: 40, types: { hash: 40 }, persistent: 0 });
  t.ok(cart.keyPattern!.ttlSeconds!.max <= 3600 && cart.keyPattern!.ttlSeconds!.min > 3000);
  t.ok(cart.keyPattern!.memoryBytes!.mean > 0);
  t.strictSame(cart.fields.map((f) => f.name), ['item', 'qty']);
  t.match(byName.get('leaderboard')!.keyPattern, { types: { zset: 1 }, persistent: 1, ttlSeconds: null });

  const profile = byName.get('user:{id}:profile')!;
  const sample = await connector.sample(profile, 50);
  const emails = sample.values[sample.fields.indexOf('email')]!;
  t.equal(emails.length, NAMES.length);
  t.ok(emails.every((v) => typeof v === 'string' && v.endsWith('@example.com')));
  const sessions = await connector.sample(byName.get('session:{id}')!, 10);
  t.strictSame(sessions.fields, ['value']);
  t.equal(sessions.values[0]!.length, 10);
  t.ok(datasets.every((d) => datasetId(d).startsWith(`db${DB}.`)));
});
