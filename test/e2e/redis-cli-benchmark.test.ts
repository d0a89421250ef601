/**
 * redis-cli and redis-benchmark (from redis-tools) through Sluice: replies as the CLI prints
 * them, and short benchmark runs with and without pipelining, many clients, zero errors.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startRedisSluice } from '../helpers/redis-sluice.js';

const run = promisify(execFile);
const P = `sluice-test:cli:${process.pid}:`;

t.test('redis-cli', async (t) => {
  const s = await startRedisSluice({ users: '[{ name: default, password: pw }]' });
  t.teardown(() => s.stop());
  const cli = (...args: string[]) => run('redis-cli', ['--no-auth-warning', '-h', '127.0.0.1', '-p', String(s.port), '-a', 'pw', ...args], { timeout: 10_000 });
  t.equal((await cli('SET', `${P}k`, 'hello')).stdout, 'OK\n');
  t.equal((await cli('GET', `${P}k`)).stdout, 'hello\n');
  t.equal((await cli('-3', 'HGETALL', `${P}none`)).stdout, '\n', 'RESP3 (HELLO 3) through Sluice');
  const piped = await new Promise<string>((resolve, reject) => {
    const child = execFile('redis-cli', ['--no-auth-warning', '-h', '127.0.0.1', '-p', String(s.port), '-a', 'pw'], { timeout: 10_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    child.stdin?.end(`MULTI\nINCR ${P}n\nINCR ${P}n\nEXEC\nDEL ${P}k ${P}n\n`);
  });
  t.equal(piped, 'OK\nQUEUED\nQUEUED\n1\n2\n2\n');
  t.match((await cli('DEBUG', 'SLEEP', '0')).stdout, /refused by Sluice/);
});

t.test('redis-benchmark: -P 1 and -P 16 with 200 clients, no errors', async (t) => {
  const s = await startRedisSluice();
  t.teardown(() => s.stop());
  for (const pipeline of ['1', '16']) {
    const { stdout, stderr } = await run('redis-benchmark', [
      '-h', '127.0.0.1', '-p', String(s.port), '-c', '200', '-n', '20000', '-P', pipeline, '-q', '-t', 'set,get,lpush,lrange_100,incr,mset',
    ], { timeout: 120_000 });
    // -q prints one final "NAME: N requests per second" line per test (LRANGE adds its LPUSH fill).
    const done = stdout.split(/\r|\n/).filter((l) => / requests per second/.test(l) && !l.includes('rps='));
    for (const name of ['SET', 'GET', 'LPUSH', 'LRANGE_100', 'INCR', 'MSET']) {
      t.ok(done.some((l) => l.startsWith(name)), `-P ${pipeline}: ${name} finished`);
    }
    t.notMatch(stdout + stderr, /ERR|Error|error/, `-P ${pipeline}: no errors`);
  }
  const stats = s.gateway.redis.sources.get('cache')!.source.stats;
  t.equal(stats.protocolErrors, 0);
  // redis-benchmark writes its keys (key:__rand_int__, counter:..., mylist) in db 0; it names them itself.
});
