/**
 * Bad and heavy input through the Redis proxy: each misbehaving client gets Redis's own error
 * or is closed, while a well-behaved client beside it keeps working.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { RawRedis, resp, startRedisSluice } from '../helpers/redis-sluice.js';

const P = `sluice-test:bad:${process.pid}:`;

t.test('bad input closes that client only', async (t) => {
  const s = await startRedisSluice({ pool: 'client_output_limit: 1048576' });
  t.teardown(() => s.stop());
  const good = new Redis(s.port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => null });
  good.on('error', () => {});
  t.teardown(() => good.disconnect());
  const ok = async (what: string) => t.equal(await good.ping(`after ${what}`), `after ${what}`, `others unaffected by ${what}`);

  const bad = await RawRedis.connect(s.port);
  bad.write(resp('SET', `${P}a`, '1') + '*2\r\n$3\r\nGET\r\n:5\r\n');
  t.equal(await bad.read(() => bad.closed), "+OK\r\n-ERR Protocol error: expected '$', got ':'\r\n", 'replies before the bad bytes, then Redis\'s error and a close');
  await ok('malformed RESP');

  const huge = await RawRedis.connect(s.port);
  huge.write('*1\r\n$99999999999\r\n');
  t.equal(await huge.read(() => huge.closed), '-ERR Protocol error: invalid bulk length\r\n');
  await ok('a huge bulk length');

  const multi = await RawRedis.connect(s.port);
  multi.write('*999999999999\r\n');
  t.match(await multi.read(() => multi.closed), /^-ERR Protocol error: invalid multibulk length\r\n$/);
  await ok('a huge array length');

  const inline = await RawRedis.connect(s.port);
  inline.write(`SET ${P}inline "two words"\r\nGET ${P}inline\r\nDEL ${P}inline\r\n`);
  t.equal(await inline.read((x) => x.endsWith(':1\r\n')), '+OK\r\n$9\r\ntwo words\r\n:1\r\n', 'inline commands work');
  inline.close();

  const garbage = await RawRedis.connect(s.port);
  garbage.write(Buffer.from([0x2a, 0x31, 0x0d, 0x0a, 0x24, 0xff, 0x0d, 0x0a]));
  t.match(await garbage.read(() => garbage.closed), /^-ERR Protocol error: invalid bulk length\r\n$/);
  await ok('garbage bytes');

  // A client that sends and never reads: closed at client_output_limit, the shared connection goes on.
  const slow = await RawRedis.connect(s.port);
  slow.socket.pause();
  const big = 'x'.repeat(512 * 1024);
  await good.set(`${P}big`, big);
  slow.write(resp('GET', `${P}big`).repeat(200));
  // The replies pile up as fast as the machine serves them: wait for the cut (bounded), not a fixed time.
  const stats = s.gateway.redis.sources.get('cache')!.source.stats;
  for (let waited = 0; stats.outputLimitCloses === 0 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  await ok('a client that does not read');
  t.equal(stats.outputLimitCloses, 1, 'the slow client was cut at client_output_limit');
  slow.close();
  await good.del(`${P}big`, `${P}a`);
});

t.test('10,000 pipelined commands from one client, others beside it', async (t) => {
  const s = await startRedisSluice({ pool: 'shared_connections: 1' });
  t.teardown(() => s.stop());
  const c = await RawRedis.connect(s.port);
  t.teardown(() => c.close());
  const other = await RawRedis.connect(s.port);
  t.teardown(() => other.close());
  let payload = '';
  for (let i = 0; i < 10_000; i++) payload += resp('INCR', `${P}many`);
  c.write(payload);
  other.write(resp('PING'));
  t.equal(await other.read((x) => x.endsWith('\r\n')), '+PONG\r\n');
  const text = await c.read((x) => x.endsWith(':10000\r\n'), 20_000);
  const replies = text.split('\r\n').filter((l) => l !== '');
  t.equal(replies.length, 10_000);
  t.ok(replies.every((r, i) => r === `:${i + 1}`), 'every reply in order');
  c.write(resp('DEL', `${P}many`));
  t.equal(await c.read((x) => x.endsWith('\r\n')), ':1\r\n');
});

t.test('a client that leaves while blocked does not leave its connection to the next one', async (t) => {
  const s = await startRedisSluice({ pool: 'dedicated_size: 1' });
  t.teardown(() => s.stop());
  const blocked = await RawRedis.connect(s.port);
  blocked.write(resp('BLPOP', `${P}never`, '0'));
  await new Promise((r) => setTimeout(r, 100));
  blocked.close();
  await new Promise((r) => setTimeout(r, 100));
  const next = await RawRedis.connect(s.port);
  t.teardown(() => next.close());
  next.write(resp('MULTI') + resp('PING') + resp('EXEC'));
  t.equal(await next.read((x) => x.endsWith('PONG\r\n')), '+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n', 'a fresh dedicated connection');
});

t.test('the process survives a client closing mid-pipeline, mid-MULTI and mid-subscribe', async (t) => {
  const s = await startRedisSluice();
  t.teardown(() => s.stop());
  for (const payload of [resp('INCR', `${P}x`).repeat(500), resp('MULTI') + resp('INCR', `${P}x`), resp('SUBSCRIBE', `${P}ch`)]) {
    const c = await RawRedis.connect(s.port);
    c.write(payload);
    c.close();
  }
  await new Promise((r) => setTimeout(r, 200));
  const c = await RawRedis.connect(s.port);
  t.teardown(() => c.close());
  c.write(resp('DEL', `${P}x`) + resp('PING'));
  t.match(await c.read((x) => x.endsWith('PONG\r\n')), /^:[01]\r\n\+PONG\r\n$/);
  await new Promise((r) => setTimeout(r, 100));
  t.equal(s.gateway.redis.sources.get('cache')!.source.hub.size, 0, 'the departed subscriber left the hub');
});
