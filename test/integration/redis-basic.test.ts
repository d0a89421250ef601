/**
 * The Redis proxy against the machine's Redis, with raw RESP: shared pipelining, local
 * commands (AUTH, HELLO, CLIENT), refusals, and dedicated connections for MULTI and SELECT.
 */
import t from 'tap';
import { RawRedis, resp, startRedisSluice } from '../helpers/redis-sluice.js';

const P = `sluice-test:basic:${process.pid}:`;

t.test('commands and a pipeline through shared connections', async (t) => {
  const s = await startRedisSluice();
  t.teardown(() => s.stop());
  const c = await RawRedis.connect(s.port);
  t.teardown(() => c.close());
  c.write(resp('SET', `${P}a`, 'one'));
  t.equal(await c.read((x) => x.endsWith('\r\n')), '+OK\r\n');
  c.write(resp('GET', `${P}a`) + resp('PING') + resp('DEL', `${P}a`) + resp('GET', `${P}a`));
  t.equal(await c.read((x) => x.split('\r\n').length >= 6), '$3\r\none\r\n+PONG\r\n:1\r\n$-1\r\n');
  c.write(resp('NOSUCHCOMMAND'));
  t.match(await c.read((x) => x.endsWith('\r\n')), /^-ERR unknown command/);
});

t.test('AUTH against configured users, NOAUTH before it', async (t) => {
  const s = await startRedisSluice({ users: '[{ name: default, password: pw }, { name: app, password: apw }]' });
  t.teardown(() => s.stop());
  const c = await RawRedis.connect(s.port);
  t.teardown(() => c.close());
  c.write(resp('GET', `${P}x`));
  t.equal(await c.read((x) => x.endsWith('\r\n')), '-NOAUTH Authentication required.\r\n');
  c.write(resp('AUTH', 'nope'));
  t.equal(await c.read((x) => x.endsWith('\r\n')), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
  c.write(resp('AUTH', 'pw'));
  t.equal(await c.read((x) => x.endsWith('\r\n')), '+OK\r\n');
  c.write(resp('AUTH', 'app', 'apw') + resp('ACL', 'WHOAMI'));
  t.equal(await c.read((x) => x.endsWith('app\r\n')), '+OK\r\n$3\r\napp\r\n');
  c.write(resp('RESET') + resp('GET', `${P}x`));
  t.equal(await c.read((x) => x.includes('NOAUTH')), '+RESET\r\n-NOAUTH Authentication required.\r\n');
});

t.test('HELLO: versions, NOPROTO, RESP3 replies', async (t) => {
  const s = await startRedisSluice();
  t.teardown(() => s.stop());
  const c = await RawRedis.connect(s.port);
  t.teardown(() => c.close());
  c.write(resp('HELLO', '4'));
  t.equal(await c.read((x) => x.endsWith('\r\n')), '-NOPROTO unsupported protocol version\r\n');
  c.write(resp('HELLO', '3'));
  const map = await c.read((x) => x.includes('modules'));
  t.match(map, /^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n/);
  c.write(resp('HSET', `${P}h`, 'f', 'v') + resp('HGETALL', `${P}h`) + resp('DEL', `${P}h`));
  t.equal(await c.read((x) => x.split('\r\n').length >= 8), ':1\r\n%1\r\n$1\r\nf\r\n$1\r\nv\r\n:1\r\n', 'a RESP3 map from a RESP3 shared connection');
  c.write(resp('CLIENT', 'SETNAME', 'me') + resp('CLIENT', 'GETNAME') + resp('CLIENT', 'SETNAME', 'a b'));
  t.equal(await c.read((x) => x.split('\r\n').length >= 5), '+OK\r\n$2\r\nme\r\n-ERR Client names cannot contain spaces, newlines or special characters.\r\n');
});

t.test('refused commands say so', async (t) => {
  const s = await startRedisSluice();
  t.teardown(() => s.stop());
  const c = await RawRedis.connect(s.port);
  t.teardown(() => c.close());
  c.write(resp('CONFIG', 'SET', 'maxmemory', '1') + resp('SHUTDOWN') + resp('PING'));
  const text = await c.read((x) => x.endsWith('+PONG\r\n'));
  t.match(text, /^-ERR command 'CONFIG SET' is refused by Sluice[^\r]*\r\n-ERR command 'SHUTDOWN' is refused by Sluice[^\r]*\r\n\+PONG\r\n$/);
});

t.test('MULTI/EXEC and SELECT take a dedicated connection and give it back', async (t) => {
  const s = await startRedisSluice({ pool: 'dedicated_size: 1' });
  t.teardown(() => s.stop());
  const c = await RawRedis.connect(s.port);
  t.teardown(() => c.close());
  c.write(resp('SET', `${P}m`, '1') + resp('MULTI') + resp('INCR', `${P}m`) + resp('INCR', `${P}m`) + resp('EXEC') + resp('GET', `${P}m`));
  t.equal(await c.read((x) => x.endsWith('$1\r\n3\r\n')), '+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:2\r\n:3\r\n$1\r\n3\r\n');
  c.write(resp('SELECT', '9') + resp('SET', `${P}db9`, 'x') + resp('SELECT', '0') + resp('EXISTS', `${P}db9`));
  t.equal(await c.read((x) => x.split('\r\n').length >= 5), '+OK\r\n+OK\r\n+OK\r\n:0\r\n', 'db 9 is not db 0');
  // The same single dedicated connection serves a second client: it was reset to db 0.
  const d = await RawRedis.connect(s.port);
  t.teardown(() => d.close());
  d.write(resp('MULTI') + resp('EXISTS', `${P}db9`) + resp('EXEC'));
  t.equal(await d.read((x) => x.split('\r\n').length >= 5), '+OK\r\n+QUEUED\r\n*1\r\n:0\r\n');
  c.write(resp('SELECT', '9') + resp('DEL', `${P}db9`) + resp('SELECT', '0') + resp('DEL', `${P}m`));
  t.equal(await c.read((x) => x.split('\r\n').length >= 5), '+OK\r\n:1\r\n+OK\r\n:1\r\n');
});

t.test('one pipeline across shared, local and dedicated commands stays in order', async (t) => {
  const s = await startRedisSluice();
  t.teardown(() => s.stop());
  const c = await RawRedis.connect(s.port);
  t.teardown(() => c.close());
  c.write(resp('SET', `${P}o`, '1') + resp('CLIENT', 'SETNAME', 'x') + resp('INCR', `${P}o`) + resp('MULTI') + resp('INCR', `${P}o`)
    + resp('EXEC') + resp('CLIENT', 'GETNAME') + resp('GET', `${P}o`) + resp('BLPOP', `${P}empty`, '0.01') + resp('DEL', `${P}o`));
  t.equal(await c.read((x) => x.endsWith(':1\r\n') && x.includes('$1\r\n3')),
    '+OK\r\n+OK\r\n:2\r\n+OK\r\n+QUEUED\r\n*1\r\n:3\r\n$1\r\nx\r\n$1\r\n3\r\n*-1\r\n:1\r\n');
});

t.test('MONITOR keeps its dedicated connection and streams other clients\' commands', async (t) => {
  const s = await startRedisSluice();
  t.teardown(() => s.stop());
  const m = await RawRedis.connect(s.port);
  t.teardown(() => m.close());
  m.write(resp('MONITOR'));
  t.equal(await m.read((x) => x.endsWith('\r\n')), '+OK\r\n');
  const c = await RawRedis.connect(s.port);
  t.teardown(() => c.close());
  c.write(resp('GET', `${P}monitored`));
  await c.read((x) => x.endsWith('\r\n'));
  t.match(await m.read((x) => x.includes('monitored')), new RegExp(`"GET" "${P}monitored"`));
});

t.test('RESP3 client tracking invalidations reach the tracking client', async (t) => {
  const s = await startRedisSluice();
  t.teardown(() => s.stop());
  const c = await RawRedis.connect(s.port);
  t.teardown(() => c.close());
  c.write(resp('HELLO', '3'));
  await c.read((x) => x.includes('modules'));
  c.write(resp('CLIENT', 'TRACKING', 'on') + resp('GET', `${P}tracked`));
  t.equal(await c.read((x) => x.endsWith('_\r\n')), '+OK\r\n_\r\n');
  const w = await RawRedis.connect(s.port);
  t.teardown(() => w.close());
  w.write(resp('SET', `${P}tracked`, '1') + resp('DEL', `${P}tracked`));
  await w.read((x) => x.endsWith(':1\r\n'));
  t.match(await c.read((x) => x.includes('invalidate')), /^>2\r\n\$10\r\ninvalidate\r\n\*1\r\n/);
});
