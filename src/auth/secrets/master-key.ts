/**
 * The master key: one or more Fernet keys, the first encrypting and all decrypting
 * (MultiFernet). More than one key means a rotation is in progress.
 *
 * Key file: one key per line, first line first; blank lines and `#` comments are ignored.
 * Mode 0600 is required: a key readable by group or others is refused, not just warned about,
 * because anyone who can read it can read every secret in every copy of the store.
 * SLUICE_MASTER_KEY: the same keys separated by commas or whitespace.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { SecretStoreError } from '../../errors.js';
import { MultiFernet, generateFernetKey, parseFernetKey } from './fernet.js';
import { createFileAtomically, replaceFileAtomically } from './atomic-file.js';
import type { KeySource } from './secret-locations.js';

export interface MasterKeys {
  readonly keys: readonly string[];
  readonly fernet: MultiFernet;
  readonly source: KeySource;
}

export function describeKeySource(source: KeySource): string {
  return source.kind === 'env' ? 'SLUICE_MASTER_KEY' : source.path;
}

function parseKeys(text: string, source: KeySource): string[] {
  const keys = source.kind === 'env'
    ? text.split(/[\s,]+/).filter((k) => k !== '')
    : text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  const where = describeKeySource(source);
  if (keys.length === 0) throw new SecretStoreError('SLUICE_SECRETS_KEY_INVALID', `${where} holds no key; create one with: sluice secrets init`);
  for (const [index, key] of keys.entries()) {
    try {
      parseFernetKey(key);
    } catch {
      // The key text itself is never echoed: it may be a real key with one character wrong.
      throw new SecretStoreError('SLUICE_SECRETS_KEY_INVALID', `key ${index + 1} in ${where} is not a Fernet key (32 bytes in padded base64url, 44 characters ending in "=")`);
    }
  }
  return keys;
}

/** Checked on the open descriptor, so the file read is the file whose mode was checked. */
function readPrivate(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new SecretStoreError('SLUICE_SECRETS_KEY_INVALID', `${path} is not a regular file`);
    const mode = stats.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new SecretStoreError('SLUICE_SECRETS_KEY_PERMISSIONS', `${path} is accessible to group or others (mode ${mode.toString(8).padStart(4, '0')}); anyone who can read it can read every secret. Run: chmod 600 ${path}`);
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

export function loadMasterKeys(source: KeySource): MasterKeys {
  let text: string;
  if (source.kind === 'env') {
    text = source.text;
  } else {
    try {
      text = readPrivate(source.path);
    } catch (err) {
      if (err instanceof SecretStoreError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new SecretStoreError('SLUICE_SECRETS_KEY_MISSING', `no master key at ${source.path}; create one with: sluice secrets init (or set SLUICE_MASTER_KEY, or pass --key-file)`);
      throw new SecretStoreError('SLUICE_SECRETS_KEY_MISSING', `cannot read the master key ${source.path} (${code ?? String(err)})`, { cause: err });
    }
  }
  const keys = parseKeys(text, source);
  return { keys, fernet: new MultiFernet(keys), source };
}

function keyFileText(keys: readonly string[]): string {
  return `${keys.join('\n')}\n`;
}

/** A new key in a new file; an existing file is never replaced (it may be the only copy). */
export function createKeyFile(path: string): void {
  try {
    createFileAtomically(path, keyFileText([generateFernetKey()]));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new SecretStoreError('SLUICE_SECRETS_KEY_EXISTS', `${path} already exists; it may be the only key to an existing store, so it is left as it is. Use --key-file for another path, or rotate it with: sluice secrets rotate-key`);
    throw new SecretStoreError('SLUICE_SECRETS_STORE_IO', `cannot create ${path} (${code ?? String(err)})`, { cause: err });
  }
}

export function writeKeyFile(path: string, keys: readonly string[]): void {
  try {
    replaceFileAtomically(path, keyFileText(keys));
  } catch (err) {
    throw new SecretStoreError('SLUICE_SECRETS_STORE_IO', `cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}
