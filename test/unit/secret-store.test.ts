import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MultiFernet, decrypt, encrypt, generateFernetKey } from '../../src/auth/secrets/fernet.js';
import { createFileAtomically, replaceFileAtomically } from '../../src/auth/secrets/atomic-file.js';
import { createKeyFile, loadMasterKeys, writeKeyFile } from '../../src/auth/secrets/master-key.js';
import { secretLocations, type SecretLocations } from '../../src/auth/secrets/secret-locations.js';
import { SecretStore, checkSecretName } from '../../src/auth/secrets/secret-store.js';
import { finishRotation, startRotation } from '../../src/auth/secrets/key-rotation.js';
import { withStoreLock } from '../../src/auth/secrets/store-lock.js';

const mode = (path: string) => statSync(path).mode & 0o777;

t.test('locations: flags, then environment, then defaults in the working directory', async (t) => {
  t.strictSame(secretLocations({}, {}, '/srv'), { storeFile: '/srv/sluice-secrets.json', key: { kind: 'file', path: '/srv/sluice-master.key' } });
  const env = { SLUICE_SECRETS_FILE: 's.json', SLUICE_MASTER_KEY_FILE: '/etc/k' };
  t.strictSame(secretLocations({}, env, '/srv'), { storeFile: '/srv/s.json', key: { kind: 'file', path: '/etc/k' } });
  t.strictSame(secretLocations({}, { ...env, SLUICE_MASTER_KEY: 'KEY' }, '/srv').key, { kind: 'env', text: 'KEY' }, 'the key itself beats a key file from the environment');
  t.strictSame(secretLocations({ store: 'x.json', keyFile: 'x.key' }, { ...env, SLUICE_MASTER_KEY: 'KEY' }, '/srv'), { storeFile: '/srv/x.json', key: { kind: 'file', path: '/srv/x.key' } }, 'flags beat everything');
  t.strictSame(secretLocations({}, { SLUICE_MASTER_KEY: '', SLUICE_SECRETS_FILE: '' }, '/srv'), secretLocations({}, {}, '/srv'), 'empty variables count as unset');
});

t.test('atomic files: mode 0600 whatever the umask, no temp file left, create never replaces', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'f');
  const umask = process.umask(0);
  t.teardown(() => { process.umask(umask); });
  replaceFileAtomically(path, 'one');
  t.equal(mode(path), 0o600);
  chmodSync(path, 0o644);
  replaceFileAtomically(path, 'two');
  t.equal(readFileSync(path, 'utf8'), 'two');
  t.equal(mode(path), 0o600, 'a replaced file is 0600 again');
  t.throws(() => createFileAtomically(path, 'three'), { code: 'EEXIST' });
  t.equal(readFileSync(path, 'utf8'), 'two');
  t.strictSame(readdirSync(dir), ['f'], 'no temp files left behind');
});

t.test('key file: created 0600, never overwritten; comments and blank lines skipped', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'master.key');
  createKeyFile(path);
  t.equal(mode(path), 0o600);
  const [key] = loadMasterKeys({ kind: 'file', path }).keys;
  t.match(key, /^[A-Za-z0-9_-]{43}=$/);
  t.throws(() => createKeyFile(path), { code: 'SLUICE_SECRETS_KEY_EXISTS', message: /left as it is/ });
  t.equal(loadMasterKeys({ kind: 'file', path }).keys[0], key, 'the first key is unchanged');

  const other = generateFernetKey();
  writeFileSync(path, `# rotation in progress\n${key}\n\n  ${other}  \n`, { mode: 0o600 });
  t.strictSame(loadMasterKeys({ kind: 'file', path }).keys, [key, other]);
  t.strictSame(loadMasterKeys({ kind: 'env', text: ` ${key},${other}\n` }).keys, [key, other], 'SLUICE_MASTER_KEY: commas or whitespace');
});

t.test('key file: refused when group or others may access it, with the chmod to run', async (t) => {
  const path = join(t.testdir(), 'master.key');
  createKeyFile(path);
  for (const bad of [0o640, 0o604, 0o660, 0o700 | 0o004]) {
    chmodSync(path, bad);
    t.throws(() => loadMasterKeys({ kind: 'file', path }), { code: 'SLUICE_SECRETS_KEY_PERMISSIONS', message: `Run: chmod 600 ${path}` }, bad.toString(8));
  }
  chmodSync(path, 0o400);
  t.equal(loadMasterKeys({ kind: 'file', path }).keys.length, 1, '0400 is fine');
});

t.test('key file: missing, empty or holding a bad key, with what to do next and no key text', async (t) => {
  const dir = t.testdir();
  t.throws(() => loadMasterKeys({ kind: 'file', path: join(dir, 'none') }), { code: 'SLUICE_SECRETS_KEY_MISSING', message: /sluice secrets init/ });
  const path = join(dir, 'k');
  writeFileSync(path, '# nothing\n', { mode: 0o600 });
  t.throws(() => loadMasterKeys({ kind: 'file', path }), { code: 'SLUICE_SECRETS_KEY_INVALID', message: /holds no key/ });
  const almost = generateFernetKey().slice(0, 40);
  writeFileSync(path, `${generateFernetKey()}\n${almost}\n`, { mode: 0o600 });
  const err = t.throws(() => loadMasterKeys({ kind: 'file', path }), { code: 'SLUICE_SECRETS_KEY_INVALID', message: /key 2 in/ }) as Error;
  t.notMatch(err.message, almost, 'the bad key is not echoed');
  t.throws(() => loadMasterKeys({ kind: 'env', text: 'not-a-key' }), { code: 'SLUICE_SECRETS_KEY_INVALID', message: /SLUICE_MASTER_KEY/ });
});

t.test('names: a conservative pattern', async (t) => {
  for (const good of ['db', 'billing-db', 'reports_ro', 'a.b.c', `a${'x'.repeat(127)}`]) t.doesNotThrow(() => checkSecretName(good), good);
  for (const bad of ['', '1db', '_x', '__proto__', 'a b', 'a}b', 'a/b', 'a:b', '-x', `a${'x'.repeat(128)}`, 'é']) {
    t.throws(() => checkSecretName(bad), { code: 'SLUICE_SECRETS_NAME_INVALID' }, JSON.stringify(bad));
  }
});

t.test('store: set, get, list, remove; the file is a sorted JSON map of Fernet tokens, 0600', async (t) => {
  const path = join(t.testdir(), 'secrets.json');
  const keys = new MultiFernet([generateFernetKey()]);
  const empty = SecretStore.open(path);
  t.strictSame(empty.names(), [], 'a missing file is an empty store');
  empty.set('zeta', Buffer.from('z-value'), keys);
  empty.set('alpha', Buffer.from('a-value'), keys);
  empty.save();
  t.equal(mode(path), 0o600);
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
  t.strictSame(Object.keys(json), ['alpha', 'zeta']);
  t.equal(keys.decrypt(json['alpha']!).toString(), 'a-value', 'each value is a plain Fernet token');
  t.notMatch(readFileSync(path, 'utf8'), /value/, 'no plaintext in the file');

  const store = SecretStore.open(path);
  t.strictSame(store.names(), ['alpha', 'zeta']);
  t.equal(store.get('zeta', keys).toString(), 'z-value');
  t.throws(() => store.get('beta', keys), { code: 'SLUICE_SECRETS_NOT_FOUND', message: /sluice secrets set beta/ });
  t.equal(store.remove('zeta'), true);
  t.equal(store.remove('zeta'), false);
  store.save();
  t.strictSame(SecretStore.open(path).names(), ['alpha']);
});

t.test('store: a tampered entry or another key is reported by name with what to do', async (t) => {
  const path = join(t.testdir(), 'secrets.json');
  const keys = new MultiFernet([generateFernetKey()]);
  const store = SecretStore.open(path);
  store.set('db', Buffer.from('pw'), keys);
  store.save();
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
  const token = json['db']!;
  json['db'] = token.slice(0, 30) + (token[30] === 'A' ? 'B' : 'A') + token.slice(31);
  writeFileSync(path, JSON.stringify(json));
  t.throws(() => SecretStore.open(path).get('db', keys), { code: 'SLUICE_SECRETS_UNREADABLE', message: /secret "db" in .* cannot be decrypted: .*sluice secrets set db/ });
  writeFileSync(path, JSON.stringify({ db: token }));
  t.throws(() => SecretStore.open(path).get('db', new MultiFernet([generateFernetKey()])), { code: 'SLUICE_SECRETS_UNREADABLE', message: /later line of the key file/ });
});

t.test('store: a file that is not a map of names to tokens is refused', async (t) => {
  const path = join(t.testdir(), 'secrets.json');
  for (const text of ['{', '[]', 'null', '"x"', '{"db": 1}', '{"1db": "gAAAA"}', '{"db": "has space"}', '{"__proto__": "gAAAA"}']) {
    writeFileSync(path, text);
    t.throws(() => SecretStore.open(path), { code: 'SLUICE_SECRETS_STORE_INVALID', message: path }, text);
  }
});

t.test('reencrypt is all or nothing and keeps every value', async (t) => {
  const oldKey = generateFernetKey();
  const newKey = generateFernetKey();
  const path = join(t.testdir(), 'secrets.json');
  writeFileSync(path, JSON.stringify({ a: encrypt(oldKey, '1'), b: encrypt(oldKey, '2'), c: encrypt(generateFernetKey(), '3') }));
  const store = SecretStore.open(path);
  t.throws(() => store.reencrypt(new MultiFernet([newKey, oldKey])), { code: 'SLUICE_SECRETS_UNREADABLE', message: /"c" cannot be decrypted.*nothing was changed/ });
  t.equal(store.get('a', new MultiFernet([oldKey])).toString(), '1', 'the entries are untouched');
  store.remove('c');
  t.equal(store.reencrypt(new MultiFernet([newKey, oldKey])), 2);
  t.equal(store.get('b', new MultiFernet([newKey])).toString(), '2');
});

function fixture(t: Test): { locations: SecretLocations; keyPath: string } {
  const dir = t.testdir();
  const keyPath = join(dir, 'master.key');
  createKeyFile(keyPath);
  return { locations: { storeFile: join(dir, 'secrets.json'), key: { kind: 'file', path: keyPath } }, keyPath };
}

t.test('rotation: start puts a new key first and re-encrypts; old copies read until finish', async (t) => {
  const { locations, keyPath } = fixture(t);
  const [oldKey] = loadMasterKeys(locations.key).keys;
  const store = SecretStore.open(locations.storeFile);
  store.set('db', Buffer.from('pw'), loadMasterKeys(locations.key).fernet);
  store.save();
  const oldCopy = readFileSync(locations.storeFile, 'utf8');

  t.strictSame(startRotation(locations), { reencrypted: 1, keys: 2 });
  const mid = loadMasterKeys(locations.key).keys;
  t.equal(mid[1], oldKey, 'the old key is second');
  t.equal(mode(keyPath), 0o600);
  const token = (JSON.parse(readFileSync(locations.storeFile, 'utf8')) as Record<string, string>)['db']!;
  t.equal(decrypt(mid[0]!, token).toString(), 'pw', 'the store is under the new key');
  t.equal(decrypt(oldKey!, (JSON.parse(oldCopy) as Record<string, string>)['db']!).toString(), 'pw');
  t.equal(new MultiFernet(mid).decrypt((JSON.parse(oldCopy) as Record<string, string>)['db']!).toString(), 'pw', 'an old copy still reads mid-rotation');
  t.throws(() => startRotation(locations), { code: 'SLUICE_SECRETS_ROTATION', message: /rotate-key --finish/ });

  t.strictSame(finishRotation(locations), { reencrypted: 1, keys: 1 });
  t.strictSame(loadMasterKeys(locations.key).keys, [mid[0]]);
  t.equal(SecretStore.open(locations.storeFile).get('db', loadMasterKeys(locations.key).fernet).toString(), 'pw');
  t.strictSame(finishRotation(locations), { reencrypted: 1, keys: 1 }, 'finishing again is harmless');
});

t.test('rotation: a crash after the key file changed is completed by finish', async (t) => {
  const { locations, keyPath } = fixture(t);
  const [oldKey] = loadMasterKeys(locations.key).keys;
  const store = SecretStore.open(locations.storeFile);
  store.set('db', Buffer.from('pw'), loadMasterKeys(locations.key).fernet);
  store.save();
  const newKey = generateFernetKey();
  writeKeyFile(keyPath, [newKey, oldKey!]); // the store was never re-encrypted
  t.equal(SecretStore.open(locations.storeFile).get('db', loadMasterKeys(locations.key).fernet).toString(), 'pw', 'readable in between');
  finishRotation(locations);
  t.strictSame(loadMasterKeys(locations.key).keys, [newKey]);
  t.equal(SecretStore.open(locations.storeFile).get('db', new MultiFernet([newKey])).toString(), 'pw');
});

t.test('rotation: an unreadable entry stops it before the key file changes', async (t) => {
  const { locations, keyPath } = fixture(t);
  writeFileSync(locations.storeFile, JSON.stringify({ stray: encrypt(generateFernetKey(), 'x') }));
  const before = readFileSync(keyPath, 'utf8');
  t.throws(() => startRotation(locations), { code: 'SLUICE_SECRETS_UNREADABLE', message: /"stray"/ });
  t.equal(readFileSync(keyPath, 'utf8'), before, 'the key file is unchanged');
});

t.test('rotation with SLUICE_MASTER_KEY: start explains the manual steps, finish re-encrypts', async (t) => {
  const dir = t.testdir();
  const oldKey = generateFernetKey();
  const newKey = generateFernetKey();
  const storeFile = join(dir, 'secrets.json');
  writeFileSync(storeFile, JSON.stringify({ db: encrypt(oldKey, 'pw') }));
  t.throws(() => startRotation({ storeFile, key: { kind: 'env', text: oldKey } }), { code: 'SLUICE_SECRETS_ROTATION', message: /SLUICE_MASTER_KEY="<new key>,<old key>"/ });
  t.strictSame(finishRotation({ storeFile, key: { kind: 'env', text: `${newKey},${oldKey}` } }), { reencrypted: 1, keys: 2 });
  t.equal(SecretStore.open(storeFile).get('db', new MultiFernet([newKey])).toString(), 'pw');
});

t.test('store lock: one writer at a time; a lock left by a dead process is taken over', async (t) => {
  const dir = t.testdir();
  const storeFile = join(dir, 'secrets.json');
  const lock = `${storeFile}.lock`;
  t.equal(withStoreLock(storeFile, () => readFileSync(lock, 'utf8')), `${process.pid}\n`, 'held while the change runs');
  t.strictSame(readdirSync(dir), [], 'released after');
  t.throws(() => withStoreLock(storeFile, () => { throw new Error('boom'); }), /boom/);
  t.strictSame(readdirSync(dir), [], 'released after a failure too');

  const parent = process.ppid; // alive for as long as this test runs
  writeFileSync(lock, `${parent}\n`);
  t.throws(() => withStoreLock(storeFile, () => 1), { code: 'SLUICE_SECRETS_STORE_BUSY', message: `(pid ${parent})` });
  t.equal(readFileSync(lock, 'utf8'), `${parent}\n`, 'a live holder\'s lock is left alone');

  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  writeFileSync(lock, `${dead}\n`);
  t.equal(withStoreLock(storeFile, () => 2), 2, 'a dead holder\'s lock is taken over');
  writeFileSync(lock, '');
  t.equal(withStoreLock(storeFile, () => 3), 3, 'so is an empty one');
  t.strictSame(readdirSync(dir), []);
  t.throws(() => withStoreLock(join(dir, 'missing-dir', 's.json'), () => 4), { code: 'SLUICE_SECRETS_STORE_IO', message: /must exist and be writable/ });
});
