// Test double of Azure Key Vault and Microsoft Entra ID, implementing exactly: GET /{vault}/secrets/{name}/ (Get Secret, with the 401 bearer challenge) and POST /{tenant}/oauth2/v2.0/token (client-credentials grant).
import { randomUUID } from 'node:crypto';
import { startHttpDouble, type DoubleReply, type DoubleRequest, type HttpDouble } from './http-double.js';

export class AzureKeyVaultDouble {
  /** By "vault/name". */
  readonly secrets = new Map<string, string>();
  client = { tenant: 'tenant-1', id: 'client-1', secret: 'client-secret-1' };
  private readonly tokens = new Set<string>();
  private http: HttpDouble | null = null;

  get url(): string { return this.http!.url; }
  get calls(): string[] { return this.http!.calls; }

  async start(): Promise<this> {
    this.http = await startHttpDouble((req) => this.handle(req));
    return this;
  }

  close(): Promise<void> { return this.http?.close() ?? Promise.resolve(); }

  private handle(req: DoubleRequest): DoubleReply {
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(req.path);
    if (req.method === 'POST' && token) return this.issueToken(token[1]!, new URLSearchParams(req.body));
    const secret = /^\/([^/]+)\/secrets\/([^/]+)\/?$/.exec(req.path);
    if (req.method !== 'GET' || !secret) return { status: 404, body: { error: { code: 'NotFound', message: 'not implemented by the double' } } };
    const bearer = /^Bearer (.+)$/.exec(String(req.headers['authorization'] ?? ''));
    if (!bearer || !this.tokens.has(bearer[1]!)) {
      return {
        status: 401,
        headers: { 'www-authenticate': `Bearer authorization="${this.url}/${this.client.tenant}", resource="https://vault.azure.net"` },
        body: { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } },
      };
    }
    const [vault, name] = [secret[1]!, secret[2]!];
    const value = this.secrets.get(`${vault}/${name}`);
    if (value === undefined) return { status: 404, body: { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${name} was not found in this key vault.` } } };
    return { status: 200, body: { value, id: `${this.url}/secrets/${name}/0123456789abcdef`, attributes: { enabled: true, created: 1700000000, updated: 1700000000, recoveryLevel: 'Recoverable+Purgeable' } } };
  }

  private issueToken(tenant: string, form: URLSearchParams): DoubleReply {
    if (tenant !== this.client.tenant || form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== this.client.id || form.get('client_secret') !== this.client.secret) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' } };
    }
    const token = `eyJ.${randomUUID()}`;
    this.tokens.add(token);
    return { status: 200, body: { token_type: 'Bearer', expires_in: 3599, access_token: token } };
  }
}
