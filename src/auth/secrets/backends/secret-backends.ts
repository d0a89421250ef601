/**
 * The reference schemes backed by secret stores, built from the `secrets:` section:
 * `${vault:...}`, `${vault-db:...}`, `${aws-sm:...}`, `${azure-kv:...}`, plus `${secret:...}` and
 * `${file:...}` read again on the same `refresh` period (a Kubernetes secret volume or
 * `sluice secrets set` changes them under a running Sluice). All go through one
 * RefreshSchedule, which tells the refresher when the configuration is next due.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { ReferenceResolver, ReferenceResolvers } from '../../../config/references.js';
import type { RawSecrets } from '../../../config/schema.js';
import { SECRETS_DEFAULTS } from '../../../config/schema.js';
import { parseDuration } from '../../../config/duration.js';
import { SecretBackendError } from '../../../errors.js';
import { AwsSecretsManager } from './aws-secrets-manager.js';
import { AzureKeyVault } from './azure-key-vault.js';
import { RefreshSchedule } from './refresh-schedule.js';
import { VaultClient } from './vault-client.js';
import { readVaultKv } from './vault-kv.js';
import { VaultDatabase } from './vault-database.js';

export interface SecretBackendsOptions {
  /** Replaces the client-credentials flow (tests, or an embedding program with its own identity). */
  azureCredential?: TokenCredential;
  now?: () => number;
}

export class SecretBackends {
  readonly schedule: RefreshSchedule;
  readonly resolvers: ReferenceResolvers;
  readonly vaultDatabase: VaultDatabase | null = null;
  private readonly aws: AwsSecretsManager | null = null;
  /** The section these were built from, so a reload with the same one keeps leases and tokens. */
  readonly fingerprint: string;

  constructor(settings: RawSecrets | undefined, local: { file: ReferenceResolver; secret: ReferenceResolver }, fingerprint: string, options: SecretBackendsOptions = {}) {
    const s = settings ?? {};
    this.fingerprint = fingerprint;
    const now = options.now ?? Date.now;
    this.schedule = new RefreshSchedule(now);
    const refreshMs = parseDuration(s.refresh ?? SECRETS_DEFAULTS.refresh, 'secrets.refresh');
    const timeoutMs = parseDuration(s.timeout ?? SECRETS_DEFAULTS.timeout, 'secrets.timeout');
    const unconfigured = (scheme: string, section: string): ReferenceResolver => () => {
      throw new SecretBackendError('SLUICE_SECRET_BACKEND_UNCONFIGURED', `\${${scheme}:...} needs a secrets.${section} section saying how to reach ${section === 'vault' ? 'Vault' : section === 'aws' ? 'AWS Secrets Manager' : 'Azure Key Vault'}`);
    };
    const resolvers: Record<string, ReferenceResolver> = {
      file: this.schedule.resolver('file', async (argument, context) => ({ value: await local.file(argument, context), refreshAt: now() + refreshMs })),
      secret: this.schedule.resolver('secret', async (argument, context) => ({ value: await local.secret(argument, context), refreshAt: now() + refreshMs })),
      vault: unconfigured('vault', 'vault'),
      'vault-db': unconfigured('vault-db', 'vault'),
      'aws-sm': unconfigured('aws-sm', 'aws'),
      'azure-kv': unconfigured('azure-kv', 'azure'),
    };
    if (s.vault !== undefined) {
      const client = new VaultClient(s.vault, timeoutMs, now);
      const database = new VaultDatabase(client, s.vault.database_mount ?? SECRETS_DEFAULTS.database_mount, now);
      this.vaultDatabase = database;
      resolvers['vault'] = this.schedule.resolver('vault', (argument) => readVaultKv(client, argument, refreshMs, now()));
      resolvers['vault-db'] = this.schedule.resolver('vault-db', (argument) => database.resolve(argument));
    }
    if (s.aws !== undefined) {
      const aws = new AwsSecretsManager(s.aws, timeoutMs);
      this.aws = aws;
      resolvers['aws-sm'] = this.schedule.resolver('aws-sm', (argument) => aws.resolve(argument, refreshMs, now()));
    }
    if (s.azure !== undefined) {
      const azure = new AzureKeyVault(s.azure, timeoutMs, options.azureCredential);
      resolvers['azure-kv'] = this.schedule.resolver('azure-kv', (argument) => azure.resolve(argument, refreshMs, now()));
    }
    this.resolvers = resolvers;
  }

  /**
   * A server refused `password`: the value to try once instead, if a secret store keeps an
   * older one (AWS Secrets Manager's AWSPREVIOUS during a rotation). Never throws.
   */
  async previousValue(password: string): Promise<string | undefined> {
    try {
      return await this.aws?.previousValue(password);
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.aws?.close();
  }
}
