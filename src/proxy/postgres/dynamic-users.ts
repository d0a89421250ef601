/**
 * Users a source does not list but its auth_query knows (PgBouncer's auth_user / auth_query).
 * Each found user is a UserConfig whose password is its stored verifier: clients are checked
 * against it, and its pools log in to the servers by SCRAM pass-through (a SCRAM verifier, with
 * the key its client proved) or md5 pass-through (an md5 hash is a password equivalent), so
 * Sluice never holds the password. A user the lookup does not find gets an exchange that can
 * only fail, as PostgreSQL's mock authentication does: a client cannot tell a missing user
 * from a wrong password.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ClientAuthMethod, PostgresSourceConfig, UserConfig } from '../../config/types.js';
import { VerifierCache, type VerifierCacheTotals } from '../../auth/verifier-cache.js';
import { formatScramVerifier, parseScramVerifier, type ScramVerifier } from '../../wire/postgres/scram.js';
import { type AuthQueryTarget, PgAuthQuery } from './auth-query.js';
import type { VerifierSource } from './client-auth.js';

/** How a login of a looked-up user is checked. */
export interface LoginCheck {
  user: UserConfig;
  method: ClientAuthMethod;
  verifiers: VerifierSource;
  /** Why this check can only fail; for the log, never for the client. Absent for a real user. */
  doomed?: string;
}

const MD5_HASH = /^md5[0-9a-f]{32}$/;
/** Keys the mock verifiers: the same name always gets the same salt, as in PostgreSQL. */
const MOCK_SECRET = randomBytes(32);
const MOCK_ITERATIONS = 4096;

export class DynamicUsers {
  private readonly found = new Map<string, UserConfig>();
  private readonly cache: VerifierCache;
  private readonly query: PgAuthQuery;

  constructor(private readonly target: AuthQueryTarget, log: Logger, private readonly verifiers: VerifierSource) {
    this.query = new PgAuthQuery(target, log);
    this.cache = new VerifierCache((name) => this.query.lookup(name), target.config.auth_query_ttl ?? 0);
  }

  get enabled(): boolean { return this.target.config.auth_user !== undefined; }

  /** Lookups and cache hits so far, for /metrics. */
  get lookupTotals(): VerifierCacheTotals { return this.cache.totals; }

  /** The user as last found, for its pools: kept past the cache's TTL, since the pools live on. */
  user(name: string): UserConfig | undefined { return this.found.get(name); }

  /** How to check a login as `name`: at once from a fresh cached answer, else after a lookup. Rejects with AuthQueryError. */
  check(name: string): LoginCheck | Promise<LoginCheck> {
    const fresh = this.cache.fresh(name);
    if (fresh !== undefined) return this.checkFor(name, fresh);
    return this.cache.refresh(name).then((verifier) => this.checkFor(name, verifier));
  }

  /** After the source's config was swapped: a changed lookup forgets its answers; no auth_user, no found users. */
  reload(before: PostgresSourceConfig): void {
    const after = this.target.config;
    if (lookupSettings(before) === lookupSettings(after)) return;
    this.cache.clear(after.auth_query_ttl ?? 0);
    this.query.reset();
    if (after.auth_user === undefined) this.found.clear();
  }

  close(): void { this.query.close(); }

  private checkFor(name: string, verifier: string | null): LoginCheck {
    const auth = this.target.config.auth;
    if (verifier === null) return mockCheck(name, auth, 'auth_query found no such user');
    const scram = parseScramVerifier(verifier) !== null;
    // As PostgreSQL: a SCRAM verifier is checked with SCRAM even where md5 is asked for, and
    // an md5 hash cannot answer SCRAM.
    if (!scram && MD5_HASH.test(verifier) && auth === 'scram-sha-256') return mockCheck(name, auth, 'the stored password is an md5 hash, which cannot check a scram-sha-256 login');
    let user = this.found.get(name);
    if (user === undefined || user.password !== verifier) {
      user = { name, password: verifier };
      this.found.set(name, user);
    }
    const method: ClientAuthMethod = auth === 'trust' || auth === 'any' ? 'trust' : scram ? 'scram-sha-256' : auth;
    return { user, method, verifiers: this.verifiers };
  }
}

/** What a lookup depends on; the auth user's password is compared, never shown. */
function lookupSettings(cfg: PostgresSourceConfig): string {
  const authUser = cfg.users.find((u) => u.name === cfg.auth_user);
  return JSON.stringify([cfg.auth_user, cfg.auth_query, cfg.auth_query_ttl, cfg.database, authUser?.server_user, authUser?.server_password ?? authUser?.password]);
}

/** A check no password passes: a verifier with keys nobody knows, and an md5 hash never matches one. */
function mockCheck(name: string, auth: PostgresSourceConfig['auth'], reason: string): LoginCheck {
  const verifier = mockVerifier(name);
  return {
    user: { name, password: formatScramVerifier(verifier) },
    method: auth === 'md5' ? 'md5' : 'scram-sha-256',
    verifiers: { scramVerifier: () => verifier },
    doomed: reason,
  };
}

function mockVerifier(name: string): ScramVerifier {
  const derive = (label: string) => createHash('sha256').update(MOCK_SECRET).update(label).update(name).digest();
  return { iterations: MOCK_ITERATIONS, salt: derive('salt').subarray(0, 16), storedKey: derive('stored'), serverKey: derive('server') };
}
