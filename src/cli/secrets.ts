/**
 * `sluice secrets init|set|get|list|rm|rotate-key [--store FILE] [--key-file FILE]`: the local
 * credential store. A value goes in on stdin only, piped or typed at a prompt that does not
 * echo (argv is visible to every user through ps and /proc), and comes out only through `get`.
 */
import { SecretStoreError } from '../errors.js';
import { finishRotation, startRotation } from '../auth/secrets/key-rotation.js';
import { createKeyFile, describeKeySource, loadMasterKeys } from '../auth/secrets/master-key.js';
import { secretLocations, type SecretLocations } from '../auth/secrets/secret-locations.js';
import { SecretStore, checkSecretName } from '../auth/secrets/secret-store.js';
import { withStoreLock } from '../auth/secrets/store-lock.js';
import { parseCommand, usageError } from './usage.js';

const ACTIONS = ['init', 'set', 'get', 'list', 'rm', 'rotate-key'] as const;
type Action = (typeof ACTIONS)[number];

function isAction(value: string | undefined): value is Action {
  return (ACTIONS as readonly (string | undefined)[]).includes(value);
}

/** How many positional NAMEs each action takes. */
const NAMES: Record<Action, number> = { init: 0, set: 1, get: 1, list: 0, rm: 1, 'rotate-key': 0 };

export async function runSecrets(args: string[]): Promise<number> {
  const parsed = parseCommand(args, { store: { type: 'string' }, 'key-file': { type: 'string' }, finish: { type: 'boolean' } }, true);
  if (typeof parsed === 'number') return parsed;
  const [action, ...names] = parsed.positionals;
  if (!isAction(action)) return usageError(action === undefined ? `secrets needs an action: ${ACTIONS.join('|')}` : `unknown secrets action "${action}"; expected ${ACTIONS.join('|')}`);
  if (names.length !== NAMES[action]) return usageError(NAMES[action] === 1 ? `secrets ${action} takes one NAME` : `secrets ${action} takes no NAME`);
  if (parsed.values.finish === true && action !== 'rotate-key') return usageError('--finish goes with rotate-key only');
  const locations = secretLocations({ store: parsed.values.store, keyFile: parsed.values['key-file'] }, process.env);
  try {
    switch (action) {
      case 'init': return init(locations);
      case 'set': return await set(locations, names[0]!);
      case 'get': return get(locations, names[0]!);
      case 'list': return list(locations);
      case 'rm': return remove(locations, names[0]!);
      case 'rotate-key': return rotate(locations, parsed.values.finish === true);
    }
  } catch (err) {
    if (!(err instanceof SecretStoreError)) throw err;
    process.stderr.write(`sluice secrets ${action}: ${err.message}\n`);
    return 1;
  }
}

function init({ key, storeFile }: SecretLocations): number {
  if (key.kind === 'env') throw new SecretStoreError('SLUICE_SECRETS_KEY_EXISTS', 'SLUICE_MASTER_KEY is set, so the secrets commands use it and not a key file; unset it to create a key file, or name one with --key-file');
  const existing = SecretStore.open(storeFile).names().length;
  if (existing > 0) throw new SecretStoreError('SLUICE_SECRETS_KEY_EXISTS', `${storeFile} already holds ${existing} secret(s) encrypted under another key, which a new key could not read. Use the key that made them (--key-file or SLUICE_MASTER_KEY), or a new store (--store)`);
  createKeyFile(key.path);
  process.stderr.write(`Created the master key ${key.path} (mode 0600). Keep a copy somewhere safe: without it ${storeFile} cannot be read.\nAdd a secret with: printf %s "$VALUE" | sluice secrets set NAME\n`);
  return 0;
}

/** One trailing newline is dropped, so `echo "$PW" | sluice secrets set NAME` stores the password. */
async function readValue(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const value = Buffer.concat(chunks);
  const newline = value.at(-1) === 0x0a ? (value.at(-2) === 0x0d ? 2 : 1) : 0;
  return value.subarray(0, value.length - newline);
}

/**
 * At a terminal: one line typed without echo, so the value is neither on screen nor in the
 * shell's history. Raw mode turns off the terminal's own line editing, so backspace and
 * Ctrl-C are handled here.
 */
function promptHidden(name: string): Promise<Buffer> {
  const stdin = process.stdin;
  // Raw mode before the prompt: what is typed once the prompt shows is never echoed.
  stdin.setRawMode(true);
  process.stderr.write(`Value for "${name}" (not shown; Enter to finish): `);
  stdin.setEncoding('utf8');
  return new Promise<Buffer>((resolve, reject) => {
    let typed = '';
    const done = (error?: SecretStoreError) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error === undefined) resolve(Buffer.from(typed, 'utf8'));
      else reject(error);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done();
        if (char === '\u0003') return done(new SecretStoreError('SLUICE_SECRETS_VALUE_MISSING', `cancelled; "${name}" was not changed`));
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += char;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

async function set(locations: SecretLocations, name: string): Promise<number> {
  checkSecretName(name);
  const keys = loadMasterKeys(locations.key);
  const value = process.stdin.isTTY === true ? await promptHidden(name) : await readValue();
  if (value.length === 0) throw new SecretStoreError('SLUICE_SECRETS_VALUE_MISSING', `the value was empty, so "${name}" was not set; type it at the prompt or pipe it in: printf %s "$VALUE" | sluice secrets set ${name}`);
  const replaced = withStoreLock(locations.storeFile, () => {
    const store = SecretStore.open(locations.storeFile);
    const existed = store.has(name);
    store.set(name, value, keys.fernet);
    store.save();
    return existed;
  });
  process.stderr.write(`${replaced ? 'Replaced' : 'Stored'} "${name}" in ${locations.storeFile}.\n`);
  return 0;
}

/** The exact bytes for a pipe or `$(...)`; a newline after them only for a person at a terminal. */
function get(locations: SecretLocations, name: string): number {
  checkSecretName(name);
  const store = SecretStore.open(locations.storeFile);
  const value = store.get(name, loadMasterKeys(locations.key).fernet);
  process.stdout.write(value);
  if (process.stdout.isTTY === true) process.stdout.write('\n');
  return 0;
}

/** Names only, and no key needed: names are not secret to whoever can read the store. */
function list(locations: SecretLocations): number {
  const names = SecretStore.open(locations.storeFile).names();
  process.stdout.write(names.map((name) => `${name}\n`).join(''));
  return 0;
}

function remove(locations: SecretLocations, name: string): number {
  checkSecretName(name);
  withStoreLock(locations.storeFile, () => {
    const store = SecretStore.open(locations.storeFile);
    if (!store.remove(name)) throw new SecretStoreError('SLUICE_SECRETS_NOT_FOUND', `no secret "${name}" in ${store.path}; see the names with: sluice secrets list`);
    store.save();
  });
  process.stderr.write(`Removed "${name}" from ${locations.storeFile}.\n`);
  return 0;
}

function rotate(locations: SecretLocations, finish: boolean): number {
  const where = describeKeySource(locations.key);
  if (!finish) {
    const result = startRotation(locations);
    process.stderr.write([
      `A new master key is first in ${where}; ${result.reencrypted} secret(s) in ${locations.storeFile} are re-encrypted under it.`,
      'The old key still decrypts, so other copies of the store and running instances keep working.',
      'Once every copy of the store has been replaced or re-encrypted, drop the old key with: sluice secrets rotate-key --finish',
      '',
    ].join('\n'));
    return 0;
  }
  const result = finishRotation(locations);
  const next = locations.key.kind === 'env' && result.keys > 1
    ? 'Now set SLUICE_MASTER_KEY to its first key alone.'
    : `${where} now holds one key.`;
  process.stderr.write(`${result.reencrypted} secret(s) in ${locations.storeFile} are under the first key. ${next}\n`);
  return 0;
}
