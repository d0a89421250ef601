/**
 * Admin bearer tokens. A token is 32 random bytes (base64url) behind a `sluice_` prefix, so
 * secret scanners and humans can tell what leaked; config stores only `sha256:<hex>` of it.
 * A fast hash is right here, unlike for passwords: 256 random bits cannot be guessed, so
 * slowing down each check would buy nothing and cost every admin request.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AdminRole } from './admin-roles.js';

const PREFIX = 'sluice_';
export const TOKEN_HASH_PATTERN = '^sha256:[0-9a-f]{64}$';

export interface AdminTokenConfig {
  /** Who holds it; the audit trail names the actor `token:<name>`. */
  name: string;
  role: AdminRole;
  hash: string;
}

export interface AdminPrincipal {
  name: string;
  role: AdminRole;
}

export function generateAdminToken(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

export function hashAdminToken(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

/**
 * Looks a presented token up by its hash. The map lookup compares hashes, not the secret,
 * so timing reveals nothing an attacker could steer toward a valid token.
 */
export class AdminTokenRegistry {
  private readonly byHash: ReadonlyMap<string, AdminPrincipal>;

  constructor(tokens: readonly AdminTokenConfig[]) {
    this.byHash = new Map(tokens.map((t) => [t.hash, { name: t.name, role: t.role }]));
  }

  get size(): number {
    return this.byHash.size;
  }

  lookup(token: string): AdminPrincipal | null {
    return this.byHash.get(hashAdminToken(token)) ?? null;
  }
}
