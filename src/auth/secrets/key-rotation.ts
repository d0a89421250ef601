/**
 * Changing the master key without a moment where a secret is unreadable, in two steps:
 *
 *   start:  key file := [new, old]; store re-encrypted under new.
 *   finish: store re-encrypted under the first key again (catches entries written by anything
 *           that still had only the old key); key file := [new].
 *
 * Between the two, both keys decrypt, so other copies of the store (replicas on other hosts,
 * a backup being restored, instances that loaded the old file) stay readable until the
 * operator has re-encrypted or replaced them. Each step writes the store before dropping a
 * key, and each file is replaced atomically, so a crash wherever it strikes leaves every entry
 * readable by the keys in the key file; running `finish` again completes the change.
 */
import { SecretStoreError } from '../../errors.js';
import { MultiFernet, generateFernetKey } from './fernet.js';
import { loadMasterKeys, writeKeyFile } from './master-key.js';
import type { SecretLocations } from './secret-locations.js';
import { SecretStore } from './secret-store.js';
import { withStoreLock } from './store-lock.js';

export interface RotationResult {
  /** Entries re-encrypted under the (new) first key. */
  readonly reencrypted: number;
  /** Keys in the key file (or SLUICE_MASTER_KEY) afterwards. */
  readonly keys: number;
}

export function startRotation(locations: SecretLocations): RotationResult {
  return withStoreLock(locations.storeFile, () => start(locations));
}

export function finishRotation(locations: SecretLocations): RotationResult {
  return withStoreLock(locations.storeFile, () => finish(locations));
}

function start(locations: SecretLocations): RotationResult {
  const { key } = locations;
  if (key.kind === 'env') {
    throw new SecretStoreError('SLUICE_SECRETS_ROTATION', 'the master key comes from SLUICE_MASTER_KEY, which sluice cannot rewrite. Make a new key (sluice secrets init --key-file new.key), set SLUICE_MASTER_KEY="<new key>,<old key>", run: sluice secrets rotate-key --finish, then set SLUICE_MASTER_KEY to the new key alone');
  }
  const current = loadMasterKeys(key);
  if (current.keys.length > 1) {
    throw new SecretStoreError('SLUICE_SECRETS_ROTATION', `a rotation is already in progress: ${key.path} holds ${current.keys.length} keys. Finish it first: sluice secrets rotate-key --finish`);
  }
  const store = SecretStore.open(locations.storeFile);
  // Proves every entry readable before the key file changes: nothing is written if one is not.
  store.reencrypt(current.fernet);
  const keys = [generateFernetKey(), ...current.keys];
  writeKeyFile(key.path, keys);
  const reencrypted = store.reencrypt(new MultiFernet(keys));
  if (reencrypted > 0) store.save();
  return { reencrypted, keys: keys.length };
}

function finish(locations: SecretLocations): RotationResult {
  const current = loadMasterKeys(locations.key);
  const store = SecretStore.open(locations.storeFile);
  const reencrypted = store.reencrypt(current.fernet);
  if (reencrypted > 0) store.save();
  if (locations.key.kind === 'file' && current.keys.length > 1) writeKeyFile(locations.key.path, current.keys.slice(0, 1));
  return { reencrypted, keys: locations.key.kind === 'file' ? 1 : current.keys.length };
}
