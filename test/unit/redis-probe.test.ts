// ROLE replies as Redis 7 writes them, read into the probe result the health tracker takes.
import t from 'tap';
import { parseRole } from '../../src/proxy/redis/redis-probe.js';

const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;

t.test('master, slave, sentinel and anything else', async (t) => {
  const master = Buffer.from(`*3\r\n${bulk('master')}:3129659\r\n*1\r\n*3\r\n${bulk('127.0.0.1')}${bulk('9001')}${bulk('3129242')}`);
  t.same(parseRole(master, 0.4), { latencyMs: 0.4, inRecovery: false, lagSeconds: null });
  const slave = Buffer.from(`*5\r\n${bulk('slave')}${bulk('127.0.0.1')}:6379\r\n${bulk('connected')}:3167038\r\n`);
  t.same(parseRole(slave, 1), { latencyMs: 1, inRecovery: true, lagSeconds: null }, 'a replica, whatever its link state');
  const sentinel = Buffer.from(`*2\r\n${bulk('sentinel')}*1\r\n${bulk('mymaster')}`);
  t.equal(parseRole(sentinel, 1).inRecovery, null, 'a sentinel is neither');
  t.equal(parseRole(Buffer.from('-ERR unknown command\r\n'), 1).inRecovery, null, 'an error reply says nothing');
  t.equal(parseRole(Buffer.from('*1\r\n$6\r\nmas'), 1).inRecovery, null, 'nor does a cut one');
});
