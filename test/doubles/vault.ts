// Test double of HashiCorp Vault's HTTP API, implementing exactly: POST /v1/auth/{approle,kubernetes}/login, GET /v1/{mount}/data/{path} (KV v2), GET /v1/{mount}/creds/{role}, GET /v1/{mount}/static-creds/{role}, PUT /v1/sys/leases/renew.
import { randomUUID } from 'node:crypto';
import { startHttpDouble, type DoubleReply, type DoubleRequest, type HttpDouble } from './http-double.js';

export interface DynamicRole {
  /** Makes the next username and password (a real test may CREATE ROLE here). */
  issue(): { username: string; password: string } | Promise<{ username: string; password: string }>;
  leaseSeconds: number;
  /** Renewals are granted up to this many seconds after issue (Vault's max_ttl). */
  maxSeconds: number;
}

export interface StaticRole { username: string; password: string; ttlSeconds: number }

export class VaultDouble {
  /** KV v2 secrets by "mount/path": field → value, plus a version bumped on each write. */
  readonly kv = new Map<string, { data: Record<string, unknown>; version: number }>();
  readonly tokens = new Set<string>();
  approle: { roleId: string; secretId: string; leaseSeconds: number } | null = null;
  kubernetes: { role: string; jwt: string; leaseSeconds: number } | null = null;
  readonly dynamicRoles = new Map<string, DynamicRole>();
  readonly staticRoles = new Map<string, StaticRole>();
  readonly leases = new Map<string, { issuedAt: number; maxSeconds: number; leaseSeconds: number }>();
  /** The clock leases are measured with (a test may move it forward). */
  now: () => number = Date.now;
  private http: HttpDouble | null = null;

  get url(): string { return this.http!.url; }
  get calls(): string[] { return this.http!.calls; }

  async start(): Promise<this> {
    this.http = await startHttpDouble((req) => this.handle(req));
    return this;
  }

  close(): Promise<void> { return this.http?.close() ?? Promise.resolve(); }

  putKv(mountPath: string, data: Record<string, unknown>): void {
    const version = (this.kv.get(mountPath)?.version ?? 0) + 1;
    this.kv.set(mountPath, { data, version });
  }

  private async handle(req: DoubleRequest): Promise<DoubleReply> {
    const login = /^\/v1\/auth\/([^/]+)\/login$/.exec(req.path);
    if (req.method === 'POST' && login) return this.login(login[1]!, parse(req.body));
    if (!this.tokens.has(String(req.headers['x-vault-token'] ?? ''))) return { status: 403, body: { errors: ['permission denied'] } };
    if (req.method === 'PUT' && req.path === '/v1/sys/leases/renew') return this.renew(parse(req.body));
    const creds = /^\/v1\/([^/]+)\/(creds|static-creds)\/([^/]+)$/.exec(req.path);
    if (req.method === 'GET' && creds) return creds[2] === 'creds' ? this.dynamic(creds[1]!, decodeURIComponent(creds[3]!)) : this.static(decodeURIComponent(creds[3]!));
    const kv = /^\/v1\/([^/]+)\/data\/(.+)$/.exec(req.path);
    if (req.method === 'GET' && kv) {
      const entry = this.kv.get(`${kv[1]}/${decodeURIComponent(kv[2]!)}`);
      if (!entry) return { status: 404, body: { errors: [] } };
      return { status: 200, body: { data: { data: entry.data, metadata: { version: entry.version, destroyed: false } } } };
    }
    return { status: 404, body: { errors: [`no handler for route "${req.path}"`] } };
  }

  private login(mount: string, body: Record<string, unknown>): DoubleReply {
    let leaseSeconds: number | null = null;
    if (mount === 'approle' && this.approle && body['role_id'] === this.approle.roleId && body['secret_id'] === this.approle.secretId) leaseSeconds = this.approle.leaseSeconds;
    if (mount === 'kubernetes' && this.kubernetes && body['role'] === this.kubernetes.role && body['jwt'] === this.kubernetes.jwt) leaseSeconds = this.kubernetes.leaseSeconds;
    if (leaseSeconds === null) return { status: 400, body: { errors: ['invalid credentials'] } };
    const token = `hvs.${randomUUID()}`;
    this.tokens.add(token);
    return { status: 200, body: { auth: { client_token: token, lease_duration: leaseSeconds, renewable: true, policies: ['default'] } } };
  }

  private async dynamic(mount: string, name: string): Promise<DoubleReply> {
    const role = this.dynamicRoles.get(name);
    if (!role) return { status: 400, body: { errors: [`unknown role: ${name}`] } };
    const creds = await role.issue();
    const leaseId = `${mount}/creds/${name}/${randomUUID()}`;
    this.leases.set(leaseId, { issuedAt: this.now(), maxSeconds: role.maxSeconds, leaseSeconds: role.leaseSeconds });
    return { status: 200, body: { lease_id: leaseId, lease_duration: role.leaseSeconds, renewable: true, data: creds } };
  }

  private static(name: string): DoubleReply {
    const role = this.staticRoles.get(name);
    if (!role) return { status: 400, body: { errors: [`unknown role: ${name}`] } };
    return { status: 200, body: { data: { username: role.username, password: role.password, ttl: role.ttlSeconds, rotation_period: role.ttlSeconds, last_vault_rotation: new Date().toISOString() } } };
  }

  /** Grants the increment, capped at the lease's max_ttl, as Vault does. */
  private renew(body: Record<string, unknown>): DoubleReply {
    const leaseId = String(body['lease_id'] ?? '');
    const lease = this.leases.get(leaseId);
    if (!lease) return { status: 400, body: { errors: ['lease not found'] } };
    const left = lease.maxSeconds - (this.now() - lease.issuedAt) / 1000;
    const granted = Math.max(0, Math.min(Number(body['increment'] ?? lease.leaseSeconds), Math.floor(left)));
    return { status: 200, body: { lease_id: leaseId, renewable: granted > 0, lease_duration: granted } };
  }
}

function parse(body: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' ? value as Record<string, unknown> : {};
  } catch {
    return {};
  }
}
