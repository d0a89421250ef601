/**
 * Brute-force protection for client logins, shared by every protocol. Failures are counted
 * per (protocol, source, user) and per client address within a window; past `delay_after`
 * each further failure is answered later (doubling up to max_delay), past `lockout_after` the
 * key is refused outright for `lockout`. A success clears its user's count (not the
 * address's: one valid account must not reset an address that is guessing others). The
 * addresses counted are bounded, oldest first, so a flood of sources cannot grow memory.
 */
import type { BruteForceConfig } from '../config/types.js';
import type { AuditEvent } from './audit/index.js';

export type GuardScope = 'user' | 'address';

export interface LoginSubject {
  protocol: string;
  source: string;
  user: string;
  /** The client's IP address (no port). */
  address: string;
}

export interface Lockout { scope: GuardScope; retryAfterMs: number }

export interface FailureOutcome {
  /** Wait this long before answering the failure. */
  delayMs: number;
  /** Scopes that became locked by this failure (for the audit trail). */
  locked: GuardScope[];
}

interface Counter { failures: number; since: number; lockedUntil: number }

/** Counters kept at most; past it the least recently failed are forgotten. */
const MAX_COUNTERS = 100_000;

export const GUARD_DEFAULTS: BruteForceConfig = {
  enabled: true,
  window: 60_000,
  user_delay_after: 3,
  user_lockout_after: 10,
  address_delay_after: 10,
  address_lockout_after: 30,
  delay: 250,
  max_delay: 5_000,
  lockout: 300_000,
};

export class LoginGuard {
  private config: BruteForceConfig;
  private readonly counters = new Map<string, Counter>();
  /** Plain counters read on scrape (sluice_login_guard_* on /metrics). */
  readonly totals = { failures: 0, delayed: 0, lockouts: { user: 0, address: 0 }, refused: { user: 0, address: 0 } };

  constructor(config: BruteForceConfig = GUARD_DEFAULTS, private readonly now: () => number = Date.now) {
    this.config = config;
  }

  configure(config: BruteForceConfig): void {
    this.config = config;
  }

  get lockoutMs(): number { return this.config.lockout; }

  /** Null when the login may go on; else which lock refuses it and for how long. */
  check(subject: LoginSubject): Lockout | null {
    if (!this.config.enabled) return null;
    const now = this.now();
    for (const [scope, key] of this.keys(subject)) {
      const c = this.counters.get(key);
      if (c !== undefined && c.lockedUntil > now) {
        this.totals.refused[scope]++;
        return { scope, retryAfterMs: c.lockedUntil - now };
      }
    }
    return null;
  }

  failure(subject: LoginSubject): FailureOutcome {
    this.totals.failures++;
    const outcome: FailureOutcome = { delayMs: 0, locked: [] };
    if (!this.config.enabled) return outcome;
    const now = this.now();
    for (const [scope, key] of this.keys(subject)) {
      const c = this.counter(key, now);
      c.failures++;
      const delayAfter = scope === 'user' ? this.config.user_delay_after : this.config.address_delay_after;
      const lockoutAfter = scope === 'user' ? this.config.user_lockout_after : this.config.address_lockout_after;
      if (c.failures >= lockoutAfter) {
        c.lockedUntil = now + this.config.lockout;
        // The cool-down is the punishment; afterwards counting starts again from zero.
        c.failures = 0;
        c.since = c.lockedUntil;
        this.totals.lockouts[scope]++;
        outcome.locked.push(scope);
      } else if (c.failures > delayAfter) {
        outcome.delayMs = Math.max(outcome.delayMs, Math.min(this.config.max_delay, this.config.delay * 2 ** (c.failures - delayAfter - 1)));
      }
    }
    if (outcome.delayMs > 0) this.totals.delayed++;
    return outcome;
  }

  success(subject: LoginSubject): void {
    this.counters.delete(this.userKey(subject));
  }

  /** Keys locked now, by scope (sluice_login_guard_locked on /metrics). */
  lockedNow(): Record<GuardScope, number> {
    const now = this.now();
    const locked = { user: 0, address: 0 };
    for (const [key, c] of this.counters) if (c.lockedUntil > now) locked[key.startsWith('a|') ? 'address' : 'user']++;
    return locked;
  }

  private keys(subject: LoginSubject): [GuardScope, string][] {
    return [['user', this.userKey(subject)], ['address', `a|${subject.address}`]];
  }

  private userKey(s: LoginSubject): string {
    return `u|${s.protocol}|${s.source}|${s.user}`;
  }

  /** The key's counter, restarted when its window has passed; re-inserted so the map stays in failure order. */
  private counter(key: string, now: number): Counter {
    let c = this.counters.get(key);
    if (c !== undefined) this.counters.delete(key);
    if (c === undefined || (c.lockedUntil <= now && now - c.since > this.config.window)) c = { failures: 0, since: now, lockedUntil: 0 };
    this.counters.set(key, c);
    if (this.counters.size > MAX_COUNTERS) {
      const oldest = this.counters.keys().next().value;
      if (oldest !== undefined) this.counters.delete(oldest);
    }
    return c;
  }
}

/** The refusal a locked-out client reads; it names the scope so an operator can tell which lock hit. */
export function lockoutMessage(lock: Lockout, user: string): string {
  const seconds = Math.ceil(lock.retryAfterMs / 1000);
  return lock.scope === 'user'
    ? `too many failed logins for user "${user}"; try again in ${seconds} s`
    : `too many failed logins from this address; try again in ${seconds} s`;
}

/** The audit record of a lock that a failure just set. */
export function lockoutEvent(subject: LoginSubject, scope: GuardScope, lockoutMs: number, remote: string): AuditEvent {
  return {
    actor: `user:${subject.user}`,
    action: 'client.lockout',
    target: `source:${subject.source}`,
    result: 'denied',
    source: remote,
    detail: { protocol: subject.protocol, scope, lockout_ms: lockoutMs },
  };
}
