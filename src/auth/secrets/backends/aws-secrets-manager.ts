/**
 * `${aws-sm:SECRET_ID#FIELD}`: AWS Secrets Manager's GetSecretValue (AWSCURRENT). A SecretString
 * holding a JSON object gives FIELD; without #FIELD the whole string is the value. Read again
 * every `secrets.refresh`.
 *
 * Mid-rotation, AWSCURRENT may already hold a password the database does not know yet (a
 * rotation that updates the secret before the database). previousValue() answers, for a
 * password a server login just refused, the same field of AWSPREVIOUS, which the pool tries
 * once for that login.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretBackendError } from '../../../errors.js';
import type { RawSecrets } from '../../../config/schema.js';
import { pickField, splitField } from './reference-argument.js';
import type { Fetched } from './refresh-schedule.js';

export type AwsSettings = NonNullable<RawSecrets['aws']>;
type Stage = 'AWSCURRENT' | 'AWSPREVIOUS';

export class AwsSecretsManager {
  private readonly client: SecretsManagerClient;
  /** What each resolved reference gave, so a refused password can be traced back to its secret. */
  private readonly resolved = new Map<string, { secretId: string; field: string | undefined; value: string }>();

  constructor(settings: AwsSettings, timeoutMs: number) {
    this.client = new SecretsManagerClient({
      region: settings.region,
      ...(settings.endpoint !== undefined && { endpoint: settings.endpoint }),
      maxAttempts: 2,
      requestHandler: { requestTimeout: timeoutMs, connectionTimeout: timeoutMs },
    });
  }

  async resolve(argument: string, refreshMs: number, now: number): Promise<Fetched> {
    const { location: secretId, field } = splitField(argument, 'aws-sm', 'SECRET_ID#FIELD');
    const value = await this.read(secretId, field, 'AWSCURRENT');
    this.resolved.set(argument, { secretId, field, value });
    return { value, refreshAt: now + refreshMs };
  }

  /** AWSPREVIOUS for the reference that resolved to `refused`; undefined when none did or there is none. */
  async previousValue(refused: string): Promise<string | undefined> {
    for (const ref of this.resolved.values()) {
      if (ref.value !== refused) continue;
      try {
        const previous = await this.read(ref.secretId, ref.field, 'AWSPREVIOUS');
        return previous === refused ? undefined : previous;
      } catch (err) {
        if (err instanceof SecretBackendError && err.code === 'SLUICE_SECRET_NOT_FOUND') return undefined;
        throw err;
      }
    }
    return undefined;
  }

  close(): void {
    this.client.destroy();
  }

  private async read(secretId: string, field: string | undefined, stage: Stage): Promise<string> {
    const what = `AWS secret ${secretId} (${stage})`;
    let text: string | undefined;
    try {
      const answer = await this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
      text = answer.SecretString ?? (answer.SecretBinary && Buffer.from(answer.SecretBinary).toString('utf8'));
    } catch (err) {
      throw awsError(err, what);
    }
    if (text === undefined) throw new SecretBackendError('SLUICE_SECRET_BACKEND_RESPONSE', `${what} has no value`);
    if (field === undefined) return text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SecretBackendError('SLUICE_SECRET_REFERENCE_INVALID', `${what} is not a JSON object, so #${field} cannot be picked; drop #${field} to use the whole value`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SecretBackendError('SLUICE_SECRET_REFERENCE_INVALID', `${what} is not a JSON object, so #${field} cannot be picked`);
    return pickField(parsed as Record<string, unknown>, field, what);
  }
}

/** SDK exceptions by name (ResourceNotFoundException...) to our codes; the SDK's message is safe to show. */
function awsError(err: unknown, what: string): SecretBackendError {
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'ResourceNotFoundException') return new SecretBackendError('SLUICE_SECRET_NOT_FOUND', `${what}: not found`, { cause: err });
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException' || name === 'InvalidSignatureException' || name === 'CredentialsProviderError') {
    return new SecretBackendError('SLUICE_SECRET_BACKEND_DENIED', `${what}: ${name}: ${message}`, { cause: err });
  }
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status === undefined) return new SecretBackendError('SLUICE_SECRET_BACKEND_UNREACHABLE', `${what}: ${name || 'error'}: ${message}`, { cause: err });
  return new SecretBackendError('SLUICE_SECRET_BACKEND_RESPONSE', `${what}: ${name} (HTTP ${status}): ${message}`, { cause: err });
}
