/**
 * `${vault:MOUNT/PATH#FIELD}`: one field of a KV version 2 secret (GET /v1/MOUNT/data/PATH),
 * read again every `secrets.refresh`. Without #FIELD the secret must have exactly one field.
 */
import { SecretBackendError } from '../../../errors.js';
import { asRecord } from './http-json.js';
import { pickField, splitField } from './reference-argument.js';
import type { Fetched } from './refresh-schedule.js';
import type { VaultClient } from './vault-client.js';

export async function readVaultKv(client: VaultClient, argument: string, refreshMs: number, now: number): Promise<Fetched> {
  const { location, field } = splitField(argument, 'vault', 'MOUNT/PATH#FIELD');
  const slash = location.indexOf('/');
  if (slash <= 0 || slash === location.length - 1) {
    throw new SecretBackendError('SLUICE_SECRET_REFERENCE_INVALID', `\${vault:${argument}} needs a mount and a path, e.g. \${vault:secret/sluice/db#password}`);
  }
  const mount = location.slice(0, slash);
  const path = location.slice(slash + 1);
  const what = `Vault KV ${location}`;
  const answer = await client.call('GET', `${mount}/data/${path.split('/').map(encodeURIComponent).join('/')}`, what);
  const data = asRecord(asRecord(answer['data'])['data']);
  let name = field;
  if (name === undefined) {
    const keys = Object.keys(data);
    if (keys.length !== 1) throw new SecretBackendError('SLUICE_SECRET_REFERENCE_INVALID', `${what} has ${keys.length} fields; name one, e.g. \${vault:${location}#${keys[0] ?? 'password'}}`);
    name = keys[0]!;
  }
  return { value: pickField(data, name, what), refreshAt: now + refreshMs };
}
