import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { MultiFernet, generateFernetKey } from '../../src/auth/secrets/fernet.js';
import { createKeyFile } from '../../src/auth/secrets/master-key.js';
import { SecretStore } from '../../src/auth/secrets/secret-store.js';
import { secretResolver } from '../../src/auth/secrets/secret-resolver.js';

const CONFIG = `
sources:
  app:
    kind: postgres
    hosts: [{ host: 127.0.0.1 }]
    users: [{ name: app, password: "\${secret:app-db}" }]
`;

const resolvers = { secret: secretResolver };

function storeWith(dir: string, key: string, entries: Record<string, string | Buffer>): string {
  const path = join(dir, 'secrets.json');
  const store = SecretStore.open(path);
  for (const [name, value] of Object.entries(entries)) store.set(name, Buffer.from(value), new MultiFernet([key]));
  store.save();
  return path;
}

async function issuesOf(env: Record<string, string>): Promise<readonly string[]> {
  const err = await parseConfig(CONFIG, 'refs.yaml', { env, resolvers }).then(() => undefined, (e: unknown) => e);
  if (!(err instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(err)}`);
  return err.issues;
}

t.test('${secret:NAME} reads the store named by the environment, with the key from SLUICE_MASTER_KEY', async (t) => {
  const key = generateFernetKey();
  const store = storeWith(t.testdir(), key, { 'app-db': 'pässword' });
  const config = await parseConfig(CONFIG, 'refs.yaml', { env: { SLUICE_SECRETS_FILE: store, SLUICE_MASTER_KEY: key }, resolvers });
  t.equal(config.sources['app']?.users[0]?.password, 'pässword');
  const byDefault = await parseConfig(CONFIG, 'refs.yaml', { env: { SLUICE_SECRETS_FILE: store, SLUICE_MASTER_KEY: key } });
  t.equal(byDefault.sources['app']?.users[0]?.password, 'pässword', 'the loader knows ${secret:} without being told');
});

t.test('${secret:NAME} with the key in SLUICE_MASTER_KEY_FILE', async (t) => {
  const dir = t.testdir();
  const keyFile = join(dir, 'master.key');
  createKeyFile(keyFile);
  const store = storeWith(dir, readFileSync(keyFile, 'utf8').trim(), { 'app-db': 'from-file-key' });
  const config = await parseConfig(CONFIG, 'refs.yaml', { env: { SLUICE_SECRETS_FILE: store, SLUICE_MASTER_KEY_FILE: keyFile }, resolvers });
  t.equal(config.sources['app']?.users[0]?.password, 'from-file-key');
});

t.test('problems name the key path and what to do, never a value', async (t) => {
  const dir = t.testdir();
  const key = generateFernetKey();
  const store = storeWith(dir, key, { other: 'top-secret', binary: Buffer.from([0xff, 0xfe]) });
  const [missing] = await issuesOf({ SLUICE_SECRETS_FILE: store, SLUICE_MASTER_KEY: key });
  t.match(missing, /^sources\.app\.users\[0\]\.password: no secret "app-db" in .*sluice secrets set app-db \(referenced as \$\{secret:app-db\}\)$/);
  const [wrongKey] = await issuesOf({ SLUICE_SECRETS_FILE: storeWith(dir, key, { 'app-db': 'top-secret' }), SLUICE_MASTER_KEY: generateFernetKey() });
  t.match(wrongKey, /secret "app-db" .* cannot be decrypted/);
  t.notMatch(wrongKey, /top-secret/);
  const [noKey] = await issuesOf({ SLUICE_SECRETS_FILE: store, SLUICE_MASTER_KEY_FILE: join(dir, 'absent.key') });
  t.match(noKey, /no master key at .*absent\.key/);
  const binary = await parseConfig(CONFIG.replace('app-db', 'binary'), 'refs.yaml', { env: { SLUICE_SECRETS_FILE: store, SLUICE_MASTER_KEY: key }, resolvers }).catch((e: ConfigError) => e.issues[0]);
  t.match(binary, /not UTF-8 text/);
  const badName = await parseConfig(CONFIG.replace('app-db', 'a b'), 'refs.yaml', { env: {}, resolvers }).catch((e: ConfigError) => e.issues[0]);
  t.match(badName, /"a b" is not a secret name/);
});
