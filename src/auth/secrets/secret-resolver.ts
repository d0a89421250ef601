/**
 * `${secret:NAME}` in configuration values: NAME's value from the local credential store,
 * found where `sluice secrets` finds it (SLUICE_SECRETS_FILE, SLUICE_MASTER_KEY,
 * SLUICE_MASTER_KEY_FILE, else ./sluice-secrets.json and ./sluice-master.key, relative paths
 * from the working directory), so one environment serves the command and the gateway.
 * A `secrets:` section in the configuration file is to follow; until then these are the only
 * ways to place the store.
 */
import type { ReferenceResolver } from '../../config/references.js';
import { SecretStoreError } from '../../errors.js';
import { loadMasterKeys } from './master-key.js';
import { secretLocations } from './secret-locations.js';
import { SecretStore, checkSecretName } from './secret-store.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export const secretResolver: ReferenceResolver = (name, { env }) => {
  checkSecretName(name);
  const locations = secretLocations({}, env);
  const store = SecretStore.open(locations.storeFile);
  const value = store.get(name, loadMasterKeys(locations.key).fernet);
  try {
    return UTF8.decode(value);
  } catch {
    throw new SecretStoreError('SLUICE_SECRETS_UNREADABLE', `secret "${name}" is not UTF-8 text, so it cannot stand in a configuration value`);
  }
};
