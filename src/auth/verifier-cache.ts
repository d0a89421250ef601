/**
 * auth_query's answers, kept for a while so that a burst of logins costs the database one
 * lookup: a user's verifier for `ttlMs`, a missing user for a tenth of that (a role created
 * meanwhile is seen soon, while a client retrying a wrong name still costs little). Logins of
 * one user that arrive while its lookup runs share it. A failed lookup is not kept: the next
 * login asks again. Protocol-agnostic: the lookup is a function.
 */
export type VerifierLookup = (user: string) => Promise<string | null>;

interface Entry {
  /** null: the lookup found no such user. */
  verifier: string | null;
  expiresAt: number;
}

/** Bounds memory when clients try many names; the oldest answers go first. */
const MAX_ENTRIES = 10_000;
const NEGATIVE_TTL_DIVISOR = 10;

/** What the cache saved and what it asked; plain counters read on scrape. */
export interface VerifierCacheTotals {
  /** Logins answered from a fresh kept answer. */
  hits: number;
  /** Lookups that found the user, found no such user, or failed. */
  found: number;
  missing: number;
  failed: number;
}

export class VerifierCache {
  private readonly entries = new Map<string, Entry>();
  private readonly running = new Map<string, Promise<string | null>>();
  /** Bumped by clear(): an answer to a lookup begun before it is not kept. */
  private generation = 0;
  readonly totals: VerifierCacheTotals = { hits: 0, found: 0, missing: 0, failed: 0 };

  constructor(private readonly lookup: VerifierLookup, private ttlMs: number, private readonly now: () => number = Date.now) {}

  /** The kept answer while fresh: a verifier, null for "no such user", undefined when a lookup is due. */
  fresh(user: string): string | null | undefined {
    const entry = this.entries.get(user);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.now()) {
      this.totals.hits++;
      return entry.verifier;
    }
    this.entries.delete(user);
    return undefined;
  }

  /** Look the user up now (or join the lookup already running) and keep the answer. */
  refresh(user: string): Promise<string | null> {
    const running = this.running.get(user);
    if (running !== undefined) return running;
    const generation = this.generation;
    const lookup: Promise<string | null> = this.lookup(user)
      .then((verifier) => {
        if (verifier === null) this.totals.missing++;
        else this.totals.found++;
        if (generation === this.generation) this.keep(user, verifier);
        return verifier;
      }, (err: unknown) => {
        this.totals.failed++;
        throw err;
      })
      .finally(() => {
        if (this.running.get(user) === lookup) this.running.delete(user);
      });
    this.running.set(user, lookup);
    return lookup;
  }

  /** Forget every answer (auth_user, auth_query or the TTL changed). */
  clear(ttlMs: number): void {
    this.ttlMs = ttlMs;
    this.generation++;
    this.entries.clear();
    this.running.clear();
  }

  private keep(user: string, verifier: string | null): void {
    const ttl = verifier === null ? this.ttlMs / NEGATIVE_TTL_DIVISOR : this.ttlMs;
    if (ttl <= 0) return;
    this.entries.delete(user);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(user, { verifier, expiresAt: this.now() + ttl });
  }
}
