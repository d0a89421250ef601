// Runs the built CLI (dist/, built by `npm test` before tap) on temporary config files.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

function sluice(...args: string[]) {
  const run = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, BENCH_PASSWORD: 'from-env' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const GOOD = `
admin:
  listen: 127.0.0.1:9930
listeners:
  postgres: { listen: 127.0.0.1:6432 }
sources:
  bench:
    kind: postgres
    database: bench
    pool: { mode: transaction, size: 50, max_client_conn: 5000, query_wait_timeout: 30s }
    hosts:
      - { host: 127.0.0.1, port: 5432, role: primary }
    users:
      - { name: bench, password: "\${env:BENCH_PASSWORD}" }
`;

const BAD = `
sources:
  bench:
    kind: postgres
    pool: { mode: tx, size: fifty }
    hosts:
      - { host: 127.0.0.1, colour: red }
    users:
      - { name: bench, password: bench }
`;

t.test('a good file: exit 0 with a one-line summary', async (t) => {
  const dir = t.testdir({ 'good.yaml': GOOD });
  const file = join(dir, 'good.yaml');
  const run = sluice('check-config', file);
  t.equal(run.code, 0);
  t.equal(run.stdout, `${file}: ok (1 source, listeners: postgres 127.0.0.1:6432, admin 127.0.0.1:9930)\n`);
  t.equal(run.stderr, '');
});

t.test('a Redis source\'s own listener is in the summary', async (t) => {
  const dir = t.testdir({ 'redis.yaml': `
sources:
  cache:
    kind: redis
    listen: 127.0.0.1:6380
    hosts:
      - { host: 127.0.0.1, port: 6379 }
` });
  const file = join(dir, 'redis.yaml');
  const run = sluice('check-config', file);
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout, `${file}: ok (1 source, listeners: redis cache 127.0.0.1:6380)\n`);
});

t.test('a bad file: exit 1 with one issue per line on stderr', async (t) => {
  const dir = t.testdir({ 'bad.yaml': BAD });
  const file = join(dir, 'bad.yaml');
  const run = sluice('check-config', file);
  t.equal(run.code, 1);
  t.equal(run.stdout, '');
  t.strictSame(run.stderr.split('\n').filter(Boolean), [
    `${file}: sources.bench.pool.mode: must be one of session, transaction, statement (got "tx")`,
    `${file}: sources.bench.pool.size: must be an integer ≥ 1 (got "fifty")`,
    `${file}: sources.bench.hosts[0].colour: unknown key; expected one of host, port, role, zone, weight`,
  ]);
});

t.test('a YAML syntax error gives line and column', async (t) => {
  const dir = t.testdir({ 'broken.yaml': 'sources:\n  bench: [\n' });
  const run = sluice('check-config', join(dir, 'broken.yaml'));
  t.equal(run.code, 1);
  t.match(run.stderr, /broken\.yaml: line \d+, column \d+: /);
});

t.test('an unset environment variable and a missing file', async (t) => {
  const dir = t.testdir({ 'env.yaml': GOOD.replace('BENCH_PASSWORD', 'SLUICE_UNSET_VARIABLE') });
  const unset = sluice('check-config', join(dir, 'env.yaml'));
  t.equal(unset.code, 1);
  t.match(unset.stderr, 'sources.bench.users[0].password: environment variable SLUICE_UNSET_VARIABLE is not set');
  const missing = sluice('check-config', join(dir, 'nope.yaml'));
  t.equal(missing.code, 1);
  t.match(missing.stderr, /nope\.yaml: cannot read the file: ENOENT/);
});

t.test('usage errors exit 2', async (t) => {
  for (const args of [['check-config'], ['check-config', 'a.yaml', 'b.yaml'], ['check-config', '--frob', 'a.yaml'], ['frobnicate'], ['start']]) {
    const run = sluice(...args);
    t.equal(run.code, 2, `sluice ${args.join(' ')}`);
    t.match(run.stderr, 'Usage:');
  }
});

t.test('start refuses an invalid file before starting anything', async (t) => {
  const dir = t.testdir({ 'bad.yaml': BAD });
  const run = sluice('start', '--config', join(dir, 'bad.yaml'));
  t.equal(run.code, 1);
  t.match(run.stderr, 'sources.bench.pool.size: must be an integer ≥ 1 (got "fifty")');
  const level = sluice('start', '--config', join(dir, 'bad.yaml'), '--log-level', 'loud');
  t.equal(level.code, 2);
  t.match(level.stderr, '--log-level must be one of trace, debug, info, warn, error, fatal (got "loud")');
});

t.test('--help and --version', async (t) => {
  const help = sluice('--help');
  t.equal(help.code, 0);
  t.match(help.stdout, /sluice start --config FILE/);
  t.match(help.stdout, /sluice check-config FILE/);
  const version = sluice('--version');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  t.equal(version.code, 0);
  t.equal(version.stdout, `sluice ${pkg.version}\n`);
});
