/**
 * A TokenCredential for Azure Key Vault by the OAuth 2.0 client-credentials grant of
 * Microsoft Entra ID (POST {authority}/{tenant}/oauth2/v2.0/token). @azure/identity is not a
 * dependency: this one grant is all Sluice needs, and its authority host can point at a
 * test double. The SDK's token cycler caches tokens and asks again before they expire.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { SECRETS_DEFAULTS } from '../../../config/schema.js';
import { asRecord, numberField, requestJson, stringField } from './http-json.js';

export interface ClientSecretSettings {
  tenant_id: string;
  client_id: string;
  client_secret: string;
  authority_host?: string | undefined;
}

export class ClientSecretCredential implements TokenCredential {
  private readonly tokenUrl: string;

  constructor(private readonly settings: ClientSecretSettings, private readonly timeoutMs: number) {
    const authority = (settings.authority_host ?? SECRETS_DEFAULTS.azure_authority).replace(/\/+$/, '');
    this.tokenUrl = `${authority}/${encodeURIComponent(settings.tenant_id)}/oauth2/v2.0/token`;
  }

  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    const what = 'Azure token request';
    const answer = asRecord(await requestJson({
      method: 'POST',
      url: this.tokenUrl,
      form: true,
      body: { grant_type: 'client_credentials', client_id: this.settings.client_id, client_secret: this.settings.client_secret, scope: [scopes].flat().join(' ') },
      timeoutMs: this.timeoutMs,
      what,
    }));
    const expiresIn = numberField(answer, 'expires_in', Number(answer['expires_in'] ?? 3600));
    return { token: stringField(answer, 'access_token', what), expiresOnTimestamp: Date.now() + expiresIn * 1000, tokenType: 'Bearer' };
  }
}
