/**
 * A minimal Vault HTTP API client: a token from the configured auth method (a fixed token,
 * AppRole or Kubernetes service-account login), `X-Vault-Token` and `X-Vault-Namespace` on each
 * call. A login token is replaced at 80% of its lease, and once more after a 403 (revoked or
 * expired early), so an expired token never needs a restart.
 */
import { readFile } from 'node:fs/promises';
import { SecretBackendError } from '../../../errors.js';
import type { RawSecrets } from '../../../config/schema.js';
import { SECRETS_DEFAULTS } from '../../../config/schema.js';
import { asRecord, numberField, requestJson, stringField } from './http-json.js';

export type VaultSettings = NonNullable<RawSecrets['vault']>;

const RENEW_FRACTION = 0.8;

export class VaultClient {
  private token: string | null = null;
  /** Date.now() after which a login token is replaced; Infinity for a configured token. */
  private tokenRenewAt = 0;
  private loggingIn: Promise<string> | null = null;
  private readonly base: string;

  constructor(private readonly settings: VaultSettings, private readonly timeoutMs: number, private readonly now: () => number = Date.now) {
    this.base = settings.address.replace(/\/+$/, '');
  }

  /** `path` after /v1/, e.g. "secret/data/app"; the answer's JSON object. */
  async call(method: 'GET' | 'PUT' | 'POST', path: string, what: string, body?: Record<string, string | number>): Promise<Record<string, unknown>> {
    const token = await this.currentToken();
    try {
      return asRecord(await requestJson({ method, url: `${this.base}/v1/${path}`, headers: this.headers(token), body, timeoutMs: this.timeoutMs, what }));
    } catch (err) {
      if (!(err instanceof SecretBackendError) || err.code !== 'SLUICE_SECRET_BACKEND_DENIED' || this.settings.auth.method === 'token') throw err;
      this.tokenRenewAt = 0;
      const fresh = await this.currentToken();
      return asRecord(await requestJson({ method, url: `${this.base}/v1/${path}`, headers: this.headers(fresh), body, timeoutMs: this.timeoutMs, what }));
    }
  }

  private headers(token: string): Record<string, string> {
    const headers: Record<string, string> = { 'x-vault-token': token };
    if (this.settings.namespace !== undefined) headers['x-vault-namespace'] = this.settings.namespace;
    return headers;
  }

  private async currentToken(): Promise<string> {
    if (this.token !== null && this.now() < this.tokenRenewAt) return this.token;
    this.loggingIn ??= this.login().finally(() => { this.loggingIn = null; });
    return this.loggingIn;
  }

  private async login(): Promise<string> {
    const auth = this.settings.auth;
    if (auth.method === 'token') {
      this.token = auth.token;
      this.tokenRenewAt = Infinity;
      return auth.token;
    }
    let mount: string;
    let body: Record<string, string>;
    if (auth.method === 'approle') {
      mount = auth.mount ?? SECRETS_DEFAULTS.approle_mount;
      body = { role_id: auth.role_id, secret_id: auth.secret_id };
    } else {
      mount = auth.mount ?? SECRETS_DEFAULTS.kubernetes_mount;
      body = { role: auth.role, jwt: await serviceAccountToken(auth.jwt_file ?? SECRETS_DEFAULTS.kubernetes_jwt_file) };
    }
    const what = `Vault ${auth.method} login at auth/${mount}`;
    const headers: Record<string, string> = this.settings.namespace === undefined ? {} : { 'x-vault-namespace': this.settings.namespace };
    const answer = asRecord(await requestJson({ method: 'POST', url: `${this.base}/v1/auth/${mount}/login`, headers, body, timeoutMs: this.timeoutMs, what }));
    const granted = asRecord(answer['auth']);
    const token = stringField(granted, 'client_token', what);
    const leaseSeconds = numberField(granted, 'lease_duration', 0);
    this.token = token;
    // A lease of 0 means the token does not expire.
    this.tokenRenewAt = leaseSeconds > 0 ? this.now() + leaseSeconds * 1000 * RENEW_FRACTION : Infinity;
    return token;
  }
}

async function serviceAccountToken(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new SecretBackendError('SLUICE_SECRET_BACKEND_UNCONFIGURED', `cannot read the Kubernetes service account token ${path} (${code}); set secrets.vault.auth.jwt_file`, { cause: err });
  }
}
