/**
 * `${azure-kv:VAULT/NAME}`: the current version of secret NAME in Key Vault VAULT, through
 * @azure/keyvault-secrets with the client-credentials TokenCredential. Read again every
 * `secrets.refresh`. One SecretClient per vault, kept for its token cache.
 */
import { SecretClient } from '@azure/keyvault-secrets';
import type { TokenCredential } from '@azure/core-auth';
import { SecretBackendError } from '../../../errors.js';
import type { RawSecrets } from '../../../config/schema.js';
import { ClientSecretCredential } from './azure-credential.js';
import type { Fetched } from './refresh-schedule.js';

export type AzureSettings = NonNullable<RawSecrets['azure']>;

const VAULT_NAME = /^[A-Za-z0-9-]{1,127}$/;
const SECRET_NAME = /^[A-Za-z0-9-]{1,127}$/;

export class AzureKeyVault {
  private readonly credential: TokenCredential;
  private readonly clients = new Map<string, SecretClient>();

  constructor(private readonly settings: AzureSettings, timeoutMs: number, credential?: TokenCredential) {
    this.credential = credential ?? new ClientSecretCredential(settings, timeoutMs);
  }

  async resolve(argument: string, refreshMs: number, now: number): Promise<Fetched> {
    const slash = argument.indexOf('/');
    const vault = argument.slice(0, slash);
    const name = argument.slice(slash + 1);
    if (slash < 0 || !VAULT_NAME.test(vault) || !SECRET_NAME.test(name)) {
      throw new SecretBackendError('SLUICE_SECRET_REFERENCE_INVALID', `\${azure-kv:${argument}} is not of the form \${azure-kv:VAULT/NAME} (letters, digits and -)`);
    }
    const what = `Azure Key Vault secret ${vault}/${name}`;
    let value: string | undefined;
    try {
      value = (await this.client(vault).getSecret(name)).value;
    } catch (err) {
      throw azureError(err, what);
    }
    if (value === undefined) throw new SecretBackendError('SLUICE_SECRET_BACKEND_RESPONSE', `${what} has no value`);
    return { value, refreshAt: now + refreshMs };
  }

  private client(vault: string): SecretClient {
    let client = this.clients.get(vault);
    if (client === undefined) {
      const custom = this.settings.vault_url !== undefined;
      const url = (this.settings.vault_url ?? 'https://{vault}.vault.azure.net').replace('{vault}', vault);
      // A custom vault_url (a private endpoint, a test double) is not under vault.azure.net, so
      // the challenge's resource cannot match its host name.
      // An http:// vault_url is the operator's explicit choice (a local proxy, a test double).
      client = new SecretClient(url, this.credential, { disableChallengeResourceVerification: custom, allowInsecureConnection: url.startsWith('http://'), retryOptions: { maxRetries: 1 } });
      this.clients.set(vault, client);
    }
    return client;
  }
}

function azureError(err: unknown, what: string): SecretBackendError {
  if (err instanceof SecretBackendError) return err;
  const status = (err as { statusCode?: number }).statusCode;
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (status === 404) return new SecretBackendError('SLUICE_SECRET_NOT_FOUND', `${what}: not found`, { cause: err });
  if (status === 401 || status === 403) return new SecretBackendError('SLUICE_SECRET_BACKEND_DENIED', `${what}: permission denied (HTTP ${status}${code ? `, ${code}` : ''})`, { cause: err });
  if (status === undefined) return new SecretBackendError('SLUICE_SECRET_BACKEND_UNREACHABLE', `${what}: ${message}`, { cause: err });
  return new SecretBackendError('SLUICE_SECRET_BACKEND_RESPONSE', `${what}: HTTP ${status}${code ? ` ${code}` : ''}`, { cause: err });
}
