/**
 * The local credential store: a JSON object mapping secret names to Fernet tokens, sorted by
 * name, mode 0600, always replaced whole and atomically. Names are visible to whoever can
 * read the file; values only to whoever also holds the master key.
 *
 *   { "billing-db": "gAAAAABm...", "reports_ro": "gAAAAABm..." }
 */
import { readFileSync } from 'node:fs';
import { FernetError, SecretStoreError } from '../../errors.js';
import type { MultiFernet } from './fernet.js';
import { replaceFileAtomically } from './atomic-file.js';

/**
 * Letters, digits, `_`, `.` and `-`, starting with a letter, at most 128: safe in a shell, in
 * a `${secret:NAME}` reference and as a JSON key (no `__proto__`).
 */
export const SECRET_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;

export function checkSecretName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new SecretStoreError('SLUICE_SECRETS_NAME_INVALID', `"${name}" is not a secret name: use letters, digits, _ . and -, starting with a letter, at most 128 characters`);
  }
}

/** A token is padded base64url; anything else in the file was not written by Sluice. */
const TOKEN_TEXT = /^[A-Za-z0-9_-]+={0,2}$/;

function parseStore(text: string, path: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SecretStoreError('SLUICE_SECRETS_STORE_INVALID', `${path} is not valid JSON (${(err as Error).message}); restore it from a backup`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SecretStoreError('SLUICE_SECRETS_STORE_INVALID', `${path} must hold a JSON object of name → Fernet token; restore it from a backup`);
  }
  const entries = new Map<string, string>();
  for (const [name, token] of Object.entries(parsed)) {
    if (!SECRET_NAME.test(name) || typeof token !== 'string' || !TOKEN_TEXT.test(token)) {
      throw new SecretStoreError('SLUICE_SECRETS_STORE_INVALID', `${path}: entry "${name}" is not a secret name with a Fernet token; remove it by editing the file, or restore the file from a backup`);
    }
    entries.set(name, token);
  }
  return entries;
}

export class SecretStore {
  readonly path: string;
  readonly #entries: Map<string, string>;

  private constructor(path: string, entries: Map<string, string>) {
    this.path = path;
    this.#entries = entries;
  }

  /** A missing file is an empty store: the first `set` creates it. */
  static open(path: string): SecretStore {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return new SecretStore(path, new Map());
      throw new SecretStoreError('SLUICE_SECRETS_STORE_IO', `cannot read ${path} (${code ?? String(err)})`, { cause: err });
    }
    return new SecretStore(path, parseStore(text, path));
  }

  names(): string[] {
    return [...this.#entries.keys()].sort();
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  get(name: string, keys: MultiFernet): Buffer {
    checkSecretName(name);
    const token = this.#entries.get(name);
    if (token === undefined) throw new SecretStoreError('SLUICE_SECRETS_NOT_FOUND', `no secret "${name}" in ${this.path}; add it with: sluice secrets set ${name}`);
    try {
      return keys.decrypt(token);
    } catch (err) {
      if (!(err instanceof FernetError)) throw err;
      throw new SecretStoreError('SLUICE_SECRETS_UNREADABLE', `secret "${name}" in ${this.path} cannot be decrypted: ${err.message}. If the master key changed, list the key that encrypted it on a later line of the key file; if the entry was altered, set it again: sluice secrets set ${name}`, { cause: err });
    }
  }

  set(name: string, value: Uint8Array, keys: MultiFernet): void {
    checkSecretName(name);
    this.#entries.set(name, keys.encrypt(value));
  }

  /** False when there was no such secret. */
  remove(name: string): boolean {
    checkSecretName(name);
    return this.#entries.delete(name);
  }

  /**
   * Every entry under the first key. All or nothing: one unreadable entry stops the rotation
   * before anything changes, naming every such entry.
   */
  reencrypt(keys: MultiFernet): number {
    const rotated = new Map<string, string>();
    const unreadable: string[] = [];
    for (const [name, token] of this.#entries) {
      try {
        rotated.set(name, keys.rotate(token));
      } catch (err) {
        if (!(err instanceof FernetError)) throw err;
        unreadable.push(name);
      }
    }
    if (unreadable.length > 0) {
      throw new SecretStoreError('SLUICE_SECRETS_UNREADABLE', `${this.path}: ${unreadable.map((n) => `"${n}"`).join(', ')} cannot be decrypted with the current keys, so nothing was changed. Set ${unreadable.length === 1 ? 'it' : 'them'} again (sluice secrets set NAME) or remove ${unreadable.length === 1 ? 'it' : 'them'} (sluice secrets rm NAME), then retry`);
    }
    for (const [name, token] of rotated) this.#entries.set(name, token);
    return rotated.size;
  }

  save(): void {
    const sorted = Object.fromEntries(this.names().map((name) => [name, this.#entries.get(name)]));
    try {
      replaceFileAtomically(this.path, `${JSON.stringify(sorted, null, 2)}\n`);
    } catch (err) {
      throw new SecretStoreError('SLUICE_SECRETS_STORE_IO', `cannot write ${this.path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    }
  }
}
