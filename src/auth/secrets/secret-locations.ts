/**
 * Where the credential store and its master key are, shared by `sluice secrets` and the
 * `${secret:NAME}` config reference so that one environment serves both.
 *
 *   store: --store FILE, else SLUICE_SECRETS_FILE, else ./sluice-secrets.json
 *   key:   --key-file FILE, else SLUICE_MASTER_KEY (the key text itself), else
 *          SLUICE_MASTER_KEY_FILE, else ./sluice-master.key
 *
 * An explicit flag beats the environment; the key text in SLUICE_MASTER_KEY beats a key file
 * named only by default, so a container can carry its key without a file on disk.
 */
import { resolve } from 'node:path';

export const DEFAULT_STORE_FILE = 'sluice-secrets.json';
export const DEFAULT_KEY_FILE = 'sluice-master.key';

export type KeySource =
  | { readonly kind: 'env'; readonly text: string }
  | { readonly kind: 'file'; readonly path: string };

export interface SecretLocations {
  readonly storeFile: string;
  readonly key: KeySource;
}

export interface LocationFlags {
  readonly store?: string | undefined;
  readonly keyFile?: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Relative paths are taken from `cwd`; an empty variable counts as unset. */
export function secretLocations(flags: LocationFlags, env: Env, cwd = process.cwd()): SecretLocations {
  const set = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
  const storeFile = resolve(cwd, flags.store ?? set(env['SLUICE_SECRETS_FILE']) ?? DEFAULT_STORE_FILE);
  if (flags.keyFile !== undefined) return { storeFile, key: { kind: 'file', path: resolve(cwd, flags.keyFile) } };
  const text = set(env['SLUICE_MASTER_KEY']);
  if (text !== undefined) return { storeFile, key: { kind: 'env', text } };
  return { storeFile, key: { kind: 'file', path: resolve(cwd, set(env['SLUICE_MASTER_KEY_FILE']) ?? DEFAULT_KEY_FILE) } };
}
