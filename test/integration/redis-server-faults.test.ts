/**
 * Sluice's side of the server: its own credentials (an ACL user made for the test and
 * removed after), connections named in CLIENT LIST, and what clients see when the server
 * drops Sluice's shared or subscriber connection (fault injection with CLIENT KILL).
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { RawRedis, REDIS_HOST, REDIS_PORT, resp, startRedisSluice } from '../helpers/redis-sluice.js';

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

t.test('a lost subscriber connection closes its subscribers; new ones subscribe again', async (t) => {
  const s = await startRedisSluice();
  t.teardown(() => s.stop());
  const admin = direct(t);
  const sub = await RawRedis.connect(s.port);
  t.teardown(() => sub.close());
  sub.write(resp('SUBSCRIBE', `${P}ch`));
  await sub.read((x) => x.endsWith(':1\r\n'));
  t.equal(await killAll(admin, 'subscriber'), 1);
  await sub.read(() => sub.closed);
  t.ok(sub.closed, 'the subscriber was told by a close, so its library resubscribes');
  const again = await RawRedis.connect(s.port);
  t.teardown(() => again.close());
  again.write(resp('SUBSCRIBE', `${P}ch`));
  await again.read((x) => x.endsWith(':1\r\n'));
  t.equal(await admin.publish(`${P}ch`, 'back'), 1);
  t.match(await again.read((x) => x.includes('back')), /message/);
});
