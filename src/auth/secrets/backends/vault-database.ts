/**
 * `${vault-db:ROLE#username}` and `${vault-db:ROLE#password}`: credentials from Vault's
 * database secrets engine. A dynamic role's lease is renewed at 80% of its duration; when
 * Vault will not extend it further (max_ttl) or renewal fails, new credentials are fetched,
 * and the configuration refresh moves the pools onto them. `static/ROLE` reads a static
 * role, whose password Vault rotates itself: it is read again just after the rotation Vault
 * announces (`ttl`). Both fields of one role come from the same credentials.
 */
import { SecretBackendError } from '../../../errors.js';
import { asRecord, numberField, stringField } from './http-json.js';
import { pickField, splitField } from './reference-argument.js';
import type { Fetched } from './refresh-schedule.js';
import type { VaultClient } from './vault-client.js';

const RENEW_FRACTION = 0.8;
/** After a static role's announced rotation, wait this long so that Vault has finished it. */
const STATIC_ROTATION_MARGIN_MS = 1000;
const FIELDS: ReadonlySet<string> = new Set(['username', 'password']);

interface Credentials {
  data: Record<string, unknown>;
  leaseId: string;
  renewable: boolean;
  leaseSeconds: number;
  /** When the next fetch or renewal is due. */
  dueAt: number;
  /** Vault gave less than asked at the last renewal: the lease ends soon, fetch new credentials instead. */
  capped: boolean;
}

export class VaultDatabase {
  private readonly roles = new Map<string, Credentials>();
  private readonly pending = new Map<string, Promise<Credentials>>();

  constructor(private readonly client: VaultClient, private readonly mount: string, private readonly now: () => number = Date.now) {}

  async resolve(argument: string): Promise<Fetched> {
    const { location, field = 'password' } = splitField(argument, 'vault-db', 'ROLE#username|password');
    if (!FIELDS.has(field)) throw new SecretBackendError('SLUICE_SECRET_REFERENCE_INVALID', `\${vault-db:${argument}}: the field must be username or password`);
    const creds = await this.credentials(location);
    return { value: pickField(creds.data, field, `Vault database role ${location}`), refreshAt: creds.dueAt };
  }

  /** Leases held now, for logs and tests: role → lease id (ids are not secrets). */
  leases(): Map<string, string> {
    return new Map([...this.roles].filter(([, c]) => c.leaseId !== '').map(([role, c]) => [role, c.leaseId]));
  }

  private credentials(role: string): Promise<Credentials> {
    const held = this.roles.get(role);
    if (held !== undefined && held.dueAt > this.now()) return Promise.resolve(held);
    let running = this.pending.get(role);
    if (running === undefined) {
      running = this.refresh(role, held).finally(() => this.pending.delete(role));
      this.pending.set(role, running);
    }
    return running;
  }

  private async refresh(role: string, held: Credentials | undefined): Promise<Credentials> {
    let next: Credentials | null = null;
    if (held !== undefined && held.renewable && !held.capped) next = await this.renew(held).catch(() => null);
    next ??= await this.fetch(role);
    this.roles.set(role, next);
    return next;
  }

  private async fetch(role: string): Promise<Credentials> {
    const isStatic = role.startsWith('static/');
    const name = isStatic ? role.slice('static/'.length) : role;
    const what = `Vault database role ${role}`;
    const answer = await this.client.call('GET', `${this.mount}/${isStatic ? 'static-creds' : 'creds'}/${encodeURIComponent(name)}`, what);
    const data = asRecord(answer['data']);
    stringField(data, 'username', what);
    stringField(data, 'password', what);
    const now = this.now();
    if (isStatic) {
      const ttl = numberField(data, 'ttl', 0);
      return { data, leaseId: '', renewable: false, leaseSeconds: 0, capped: false, dueAt: ttl > 0 ? now + ttl * 1000 + STATIC_ROTATION_MARGIN_MS : Infinity };
    }
    const leaseSeconds = numberField(answer, 'lease_duration', 0);
    return {
      data,
      leaseId: typeof answer['lease_id'] === 'string' ? answer['lease_id'] : '',
      renewable: answer['renewable'] === true,
      leaseSeconds,
      capped: false,
      dueAt: leaseSeconds > 0 ? now + leaseSeconds * 1000 * RENEW_FRACTION : Infinity,
    };
  }

  /** PUT sys/leases/renew asking for the original duration again; the same username and password stay. */
  private async renew(held: Credentials): Promise<Credentials> {
    const answer = await this.client.call('PUT', 'sys/leases/renew', `Vault lease renewal of ${held.leaseId}`, { lease_id: held.leaseId, increment: held.leaseSeconds });
    const granted = numberField(answer, 'lease_duration', 0);
    if (granted <= 0) throw new SecretBackendError('SLUICE_SECRET_BACKEND_RESPONSE', `Vault did not renew lease ${held.leaseId}`);
    return { ...held, renewable: answer['renewable'] !== false, capped: granted < held.leaseSeconds, dueAt: this.now() + granted * 1000 * RENEW_FRACTION };
  }
}
