import t from 'tap';
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config/load.js';
import { createLogger, redactConfig } from '../../src/log.js';

/** A logger writing into an array of lines. */
function capture(pretty = false) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, log: createLogger({ level: 'info', pretty, destination }) };
}

const CONFIG = `
sources:
  bench:
    kind: postgres
    hosts: [{ host: h }]
    users: [{ name: bench, password: hunter2, server_password: s3rver }]
`;

t.test('JSON lines by default, at the configured level', async (t) => {
  const { lines, log } = capture();
  log.debug('hidden');
  log.info({ source: 'bench' }, 'hello');
  t.equal(lines.length, 1);
  t.match(JSON.parse(lines[0] ?? '{}'), { level: 30, msg: 'hello', source: 'bench' });
});

t.test('secrets are redacted wherever log objects usually carry them', async (t) => {
  const { lines, log } = capture();
  const config = await parseConfig(CONFIG, 'log.yaml');
  log.info({
    password: 'p1',
    user: { name: 'bench', password: 'p2', server_password: 'p3' },
    token: 't1',
    client: { secret: 'x', authorization: 'Bearer y' },
    req: { headers: { authorization: 'Basic z' } },
    config,
    users: config.sources['bench']?.users,
  }, 'secrets');
  const line = lines[0] ?? '';
  for (const secret of ['p1', 'p2', 'p3', 't1', '"x"', 'Bearer', 'Basic', 'hunter2', 's3rver']) t.notMatch(line, secret, `${secret} is not logged`);
  const entry = JSON.parse(line);
  t.equal(entry.password, '[redacted]');
  t.equal(entry.user.name, 'bench', 'other fields stay');
  t.equal(entry.config.sources.bench.users[0].password, '[redacted]');
  t.equal(entry.config.sources.bench.users[0].name, 'bench');
  t.equal(config.sources['bench']?.users[0]?.password, 'hunter2', 'the logged object itself is untouched');
});

t.test('pretty output redacts too', async (t) => {
  const { lines, log } = capture(true);
  log.info({ password: 'p1' }, 'pretty line');
  const text = lines.join('\n');
  t.match(text, /INFO.*pretty line/);
  t.match(text, /password: "\[redacted\]"/);
  t.notMatch(text, 'p1');
});

t.test('redactConfig masks passwords in a deep copy', async (t) => {
  const config = await parseConfig(CONFIG, 'log.yaml');
  const redacted = redactConfig(config);
  t.strictSame(redacted.sources['bench']?.users, [{ name: 'bench', password: '[redacted]', server_password: '[redacted]' }]);
  t.equal(config.sources['bench']?.users[0]?.password, 'hunter2', 'the original is untouched');
  const noServerPassword = redactConfig(await parseConfig(CONFIG.replace(', server_password: s3rver', ''), 'log.yaml'));
  t.strictSame(noServerPassword.sources['bench']?.users[0], { name: 'bench', password: '[redacted]' }, 'absent fields stay absent');
});
