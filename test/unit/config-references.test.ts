import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { parseConfig, type LoadOptions } from '../../src/config/load.js';
import type { SluiceConfig } from '../../src/config/types.js';

/** A one-source config whose first user's password, the host and port are the given YAML scalars. */
function yaml({ password = 'pw', host = '127.0.0.1', port = '5432' } = {}): string {
  return `
sources:
  bench:
    kind: postgres
    hosts: [{ host: ${host}, port: ${port} }]
    users: [{ name: bench, password: ${password} }]
`;
}

const user = (config: SluiceConfig) => config.sources['bench']?.users[0];
const host = (config: SluiceConfig) => config.sources['bench']?.hosts[0];

async function issuesOf(text: string, options: LoadOptions): Promise<readonly string[]> {
  const err = await parseConfig(text, 'refs.yaml', options).then(() => undefined, (e: unknown) => e);
  if (!(err instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(err)}`);
  return err.issues;
}

t.test('${env:NAME} anywhere in a string', async (t) => {
  const env = { PW: 's3cret', HOST: 'db.internal' };
  const config = await parseConfig(yaml({ password: '"${env:PW}"', host: '"pg-${env:HOST}"' }), 'refs.yaml', { env });
  t.equal(user(config)?.password, 's3cret');
  t.equal(host(config)?.host, 'pg-db.internal', 'inside a longer string');
  const block = await parseConfig(`
sources:
  bench:
    kind: postgres
    hosts:
      - host: \${env:HOST}
    users:
      - name: bench
        password: \${env:PW}
`, 'refs.yaml', { env });
  t.equal(user(block)?.password, 's3cret', 'unquoted in block style');
  t.equal(host(block)?.host, 'db.internal');
  const two = await parseConfig(yaml({ password: '"${env:PW}:${env:PW}"' }), 'refs.yaml', { env });
  t.equal(user(two)?.password, 's3cret:s3cret');
  const empty = await parseConfig(yaml({ password: '"${env:EMPTY}"' }), 'refs.yaml', { env: { EMPTY: '' } });
  t.equal(user(empty)?.password, '', 'a variable set to "" is set');
});

t.test('process.env is the default environment', async (t) => {
  process.env['SLUICE_TEST_PASSWORD'] = 'from-process';
  t.teardown(() => { delete process.env['SLUICE_TEST_PASSWORD']; });
  const config = await parseConfig(yaml({ password: '"${env:SLUICE_TEST_PASSWORD}"' }), 'refs.yaml');
  t.equal(user(config)?.password, 'from-process');
});

t.test('an unset variable names the key path and the variable', async (t) => {
  t.strictSame(await issuesOf(yaml({ password: '"${env:BENCH_PW}"' }), { env: {} }), [
    'sources.bench.users[0].password: environment variable BENCH_PW is not set (referenced as ${env:BENCH_PW})',
  ]);
  t.strictSame(await issuesOf(yaml({ password: '"${env:not-a-name}"' }), { env: {} }), [
    'sources.bench.users[0].password: "not-a-name" is not an environment variable name; expected letters, digits and _ (referenced as ${env:not-a-name})',
  ]);
});

t.test('$${ writes a literal ${, and substituted text is not scanned again', async (t) => {
  const literal = await parseConfig(yaml({ password: '"$${env:PW}"' }), 'refs.yaml', { env: { PW: 'x' } });
  t.equal(user(literal)?.password, '${env:PW}');
  const nested = await parseConfig(yaml({ password: '"${env:PW}"' }), 'refs.yaml', { env: { PW: 'a${env:OTHER}b' } });
  t.equal(user(nested)?.password, 'a${env:OTHER}b');
  const dollars = await parseConfig(yaml({ password: '"pa$$word$"' }), 'refs.yaml', { env: {} });
  t.equal(user(dollars)?.password, 'pa$$word$', 'a $ not followed by { is plain text');
});

t.test('malformed references', async (t) => {
  t.strictSame(await issuesOf(yaml({ password: '"${PW}"' }), { env: {} }), [
    'sources.bench.users[0].password: reference ${PW} has no scheme; expected one of ${env:...}, ${file:...}, ${secret:...}, ${vault:...}, ${vault-db:...}, ${aws-sm:...}, ${azure-kv:...}, e.g. ${env:PW} (write $${ for a literal ${)',
  ]);
  t.strictSame(await issuesOf(yaml({ password: '"${vault:kv/db}"' }), { env: {} }), [
    'sources.bench.users[0].password: ${vault:...} needs a secrets.vault section saying how to reach Vault (referenced as ${vault:kv/db})',
  ], 'a backend scheme without its secrets section');
  t.strictSame(await issuesOf(yaml({ password: '"${env:PW"' }), { env: {} }), [
    'sources.bench.users[0].password: unterminated reference ${env:PW; expected ${scheme:argument} (write $${ for a literal ${)',
  ]);
  t.strictSame(await issuesOf(yaml({ password: '"${constructor:x}"' }), { env: {} }), [
    'sources.bench.users[0].password: unknown reference scheme in ${constructor:x}; expected one of ${env:...}, ${file:...}, ${secret:...}, ${vault:...}, ${vault-db:...}, ${aws-sm:...}, ${azure-kv:...} (write $${ for a literal ${)',
  ], 'object prototype names are not schemes');
});

t.test('${file:PATH}: contents with the trailing newline trimmed, relative to baseDir', async (t) => {
  const dir = t.testdir({ 'pw': 'from-file\n', 'crlf': 'windows\r\n', 'two': 'kept\n\n' });
  const read = async (ref: string) => user(await parseConfig(yaml({ password: `"${ref}"` }), 'refs.yaml', { env: {}, baseDir: dir }))?.password;
  t.equal(await read('${file:pw}'), 'from-file');
  t.equal(await read(`\${file:${join(dir, 'pw')}}`), 'from-file', 'absolute path');
  t.equal(await read('${file:crlf}'), 'windows');
  t.equal(await read('${file:two}'), 'kept\n', 'only one newline is dropped');
  const issues = await issuesOf(yaml({ password: '"${file:missing}"' }), { env: {}, baseDir: dir });
  t.strictSame(issues, [`sources.bench.users[0].password: cannot read ${join(dir, 'missing')} (ENOENT) (referenced as \${file:missing})`]);
});

t.test('a reference that fills a number field is read as a number', async (t) => {
  const config = await parseConfig(yaml({ port: '"${env:PGPORT}"' }), 'refs.yaml', { env: { PGPORT: '6543' } });
  t.equal(host(config)?.port, 6543);
  t.strictSame(await issuesOf(yaml({ port: '"${env:PGPORT}"' }), { env: { PGPORT: 'abc' } }), [
    'sources.bench.hosts[0].port: must be an integer between 1 and 65535 (got "abc")',
  ]);
  const digits = await parseConfig(yaml({ password: '"${env:PW}"' }), 'refs.yaml', { env: { PW: '12345' } });
  t.equal(user(digits)?.password, '12345', 'a string field stays a string');
  t.strictSame(await issuesOf(yaml({ port: '"6543"' }), { env: {} }), [
    'sources.bench.hosts[0].port: must be an integer between 1 and 65535 (got "6543")',
  ], 'text written in the file is not converted');
});

t.test('references are substituted before validation, in values only', async (t) => {
  t.strictSame(await issuesOf(yaml().replace('kind: postgres', 'kind: "${env:KIND}"'), { env: { KIND: 'oracle' } }), [
    'sources.bench.kind: must be one of postgres, redis, mysql, s3, mongodb, snowflake (got "oracle")',
  ]);
  const keyed = await parseConfig(yaml().replace('bench:', '"${env:NAME}":'), 'refs.yaml', { env: { NAME: 'x' } });
  t.strictSame(Object.keys(keyed.sources), ['${env:NAME}'], 'a key is taken as written');
});

t.test('more schemes plug in through the resolver map', async (t) => {
  const secrets: Record<string, string> = { 'db/bench': 'vaulted' };
  const config = await parseConfig(yaml({ password: '"${secret:db/bench}"' }), 'refs.yaml', {
    env: {},
    resolvers: {
      secret: async (name) => {
        const value = secrets[name];
        if (value === undefined) throw new Error(`no secret ${name}`);
        return value;
      },
    },
  });
  t.equal(user(config)?.password, 'vaulted');
});
