/**
 * Sluice's side of the server: its own credentials (an ACL user made for the test and
 * removed after), connections named in CLIENT LIST, and what clients see when the server
 * drops Sluice's shared or subscriber connection (fault injection with CLIENT KILL, or a
 * redis-server of the test's own killed).
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { RawRedis, REDIS_HOST, REDIS_PORT, resp, startRedisSluice } from '../helpers/redis-sluice.js';
import { startRedisServer } from '../helpers/redis-server.js';

const P = `sluice-test:faults:${process.pid}:`;
const ACL_USER = `sluice-test-${process.pid}`;

function direct(t: { teardown(fn: () => void): void }): Redis {
  const r = new Redis(REDIS_PORT, REDIS_HOST, { maxRetriesPerRequest: 1 });
  t.teardown(() => r.disconnect());
  return r;
}

/** CLIENT LIST lines of Sluice's connections of one kind. */
async function sluiceConnections(r: Redis, kind: string): Promise<string[]> {
  const list = await r.call('CLIENT', 'LIST') as string;
  return list.split('\n').filter((l) => l.includes(` name=sluice-cache-${kind} `));
}

async function killAll(r: Redis, kind: string): Promise<number> {
  const lines = await sluiceConnections(r, kind);
  for (const l of lines) await r.call('CLIENT', 'KILL', 'ID', /id=(\d+)/.exec(l)![1]!);
  return lines.length;
}

t.test('Sluice logs in with its own credentials and again after RESET', async (t) => {
  const admin = direct(t);
  await admin.call('ACL', 'SETUSER', ACL_USER, 'on', '>srv-pw', '~*', '&*', '+@all');
  t.teardown(async () => { await admin.call('ACL', 'DELUSER', ACL_USER); });
  const s = await startRedisSluice({ users: '[{ name: app, password: client-pw }]', extra: `server: { user: ${ACL_USER}, password: srv-pw }` });
  t.teardown(() => s.stop());
  const c = await RawRedis.connect(s.port);
  t.teardown(() => c.close());
  c.write(resp('AUTH', 'app', 'client-pw') + resp('SET', `${P}cred`, '1') + resp('MULTI') + resp('INCR', `${P}cred`) + resp('EXEC') + resp('DEL', `${P}cred`));
  t.equal(await c.read((x) => x.endsWith(':1\r\n') && x.includes('*1')), '+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n:2\r\n:1\r\n');
  await new Promise((r) => setTimeout(r, 100)); // the released connection is reset in the background
  const shared = await sluiceConnections(admin, 'shared');
  const dedicated = await sluiceConnections(admin, 'dedicated');
  t.ok(shared.length > 0 && dedicated.length === 1, 'named connections in CLIENT LIST');
  t.ok([...shared, ...dedicated].every((l) => l.includes(` user=${ACL_USER} `)), 'all logged in as the server user, the dedicated one again after RESET');
});

t.test('a lost shared connection: idle clients go on, the next command reconnects', async (t) => {
  const s = await startRedisSluice({ pool: 'shared_connections: 1' });
  t.teardown(() => s.stop());
  const admin = direct(t);
  const c = await RawRedis.connect(s.port);
  t.teardown(() => c.close());
  c.write(resp('SET', `${P}lost`, 'v'));
  t.equal(await c.read((x) => x.endsWith('\r\n')), '+OK\r\n');
  t.equal(await killAll(admin, 'shared'), 1);
  await new Promise((r) => setTimeout(r, 100));
  c.write(resp('GET', `${P}lost`) + resp('DEL', `${P}lost`));
  t.equal(await c.read((x) => x.endsWith(':1\r\n')), '$1\r\nv\r\n:1\r\n');
});

/** Poll the server until `check` holds: Sluice reconnects on its own and tells no one. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.test('a lost subscriber connection is replaced and every subscription made again', async (t) => {
  const s = await startRedisSluice();
  t.teardown(() => s.stop());
  const admin = direct(t);
  const sub = await RawRedis.connect(s.port);
  t.teardown(() => sub.close());
  sub.write(resp('SUBSCRIBE', `${P}ch`) + resp('PSUBSCRIBE', `${P}pat:*`) + resp('SSUBSCRIBE', `${P}shard`));
  await sub.read((x) => x.includes('ssubscribe') && x.endsWith(':1\r\n'));
  const resp3 = await RawRedis.connect(s.port);
  t.teardown(() => resp3.close());
  resp3.write(resp('HELLO', '3') + resp('SUBSCRIBE', `${P}ch`));
  await resp3.read((x) => x.includes('subscribe') && x.endsWith(':1\r\n'));
  const [before] = await sluiceConnections(admin, 'subscriber');
  t.equal(await killAll(admin, 'subscriber'), 1, 'the subscriber connection is killed from the server side');
  await until('the subscriptions on a new connection', async () => {
    const [line] = await sluiceConnections(admin, 'subscriber');
    if (line === undefined || /id=(\d+)/.exec(line)![1] === /id=(\d+)/.exec(before!)![1]) return false;
    const numsub = await admin.call('PUBSUB', 'NUMSUB', `${P}ch`) as [string, number];
    const shardsub = await admin.call('PUBSUB', 'SHARDNUMSUB', `${P}shard`) as [string, number];
    return numsub[1] === 1 && shardsub[1] === 1 && await admin.call('PUBSUB', 'NUMPAT') as number >= 1;
  });
  t.notOk(sub.closed || resp3.closed, 'the clients stay connected');
  t.equal(await admin.publish(`${P}ch`, 'after'), 1, 'one server subscription serves both clients');
  t.match(await sub.read((x) => x.includes('after')), /^\*3\r\n\$7\r\nmessage\r\n/, 'a RESP2 client still gets its channel');
  t.match(await resp3.read((x) => x.includes('after')), /^>3\r\n\$7\r\nmessage\r\n/, 'a RESP3 client too, as a push');
  t.equal(await admin.publish(`${P}pat:x`, 'p-after'), 1);
  t.match(await sub.read((x) => x.includes('p-after')), /pmessage/, 'and its pattern');
  t.equal(await admin.call('SPUBLISH', `${P}shard`, 's-after'), 1);
  t.match(await sub.read((x) => x.includes('s-after')), /smessage/, 'and its shard channel');
  sub.write(resp('UNSUBSCRIBE', `${P}ch`));
  await sub.read((x) => x.includes('unsubscribe'));
  resp3.close();
  await until('the channel to be given up on the server', async () => (await admin.call('PUBSUB', 'NUMSUB', `${P}ch`) as [string, number])[1] === 0);
  t.pass('unsubscribing after the reconnect still reaches the server');
});

t.test('subscribers are closed when no new subscriber connection opens within query_wait_timeout', async (t) => {
  const server = await startRedisServer(t);
  const s = await startRedisSluice({ omitHosts: true, extra: `hosts: [{ host: 127.0.0.1, port: ${server.port} }]`, pool: 'query_wait_timeout: 1s, server_login_retry: 100ms' });
  t.teardown(() => s.stop());
  const sub = await RawRedis.connect(s.port);
  t.teardown(() => sub.close());
  sub.write(resp('SUBSCRIBE', `${P}gone`));
  await sub.read((x) => x.endsWith(':1\r\n'));
  await server.kill();
  await sub.read(() => sub.closed, 10_000);
  t.ok(sub.closed, 'told by a close, so its library can reconnect and subscribe again');
});
