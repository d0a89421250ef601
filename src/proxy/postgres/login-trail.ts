/**
 * What a PostgreSQL client login leaves behind: the brute-force guard's counts (a lock is
 * checked before any password, failures and successes after) and the audit trail's
 * client.login records, which name the user and database the client typed, matched or not.
 */
import { type LoginSubject, lockoutEvent, lockoutMessage } from '../../auth/login-guard.js';
import type { PgClientSession } from './client-session.js';
import type { PgProxyContext } from './context.js';
import { CONSOLE_DATABASES } from './console/access.js';

export class LoginTrail {
  /** What the startup packet named, for the record of a login refused before a source or user matched. */
  startupUser: string | null = null;
  startupDatabase: string | null = null;
  /** Where the guard counts: the source's name, or 'console'. */
  guardSource = '';
  /** Whom the guard counts: the matched user (an `any` login shares the first user's count). */
  guardUser = '';

  constructor(private readonly ctx: PgProxyContext, private readonly session: PgClientSession) {}

  /** The lockout message when the user or the address is locked out; null when the login may go on. */
  lockedOut(): string | null {
    const lock = this.ctx.loginGuard.check(this.subject());
    return lock === null ? null : lockoutMessage(lock, this.guardUser);
  }

  /** A wrong password: counted, a lockout it starts is recorded. Returns how long to wait before answering. */
  failed(): number {
    const outcome = this.ctx.loginGuard.failure(this.subject());
    for (const scope of outcome.locked) this.ctx.audit.record(lockoutEvent(this.subject(), scope, this.ctx.loginGuard.lockoutMs, this.peer()));
    return outcome.delayMs;
  }

  succeeded(): void { this.ctx.loginGuard.success(this.subject()); }

  /** The audit record of this login; `user` is the matched user's name, else the typed one is used. */
  record(result: 'ok' | 'failed', target: string, user: string | null, detail?: Record<string, string>): void {
    const name = user ?? this.startupUser;
    this.ctx.audit.record({
      actor: name === null ? 'anonymous' : `user:${name}`,
      action: 'client.login',
      target,
      result,
      source: this.peer(),
      ...(detail && { detail }),
    });
  }

  /** What the login was for: the console, a matched source, or the database name typed. */
  target(source: string | null): string {
    if (this.startupDatabase !== null && CONSOLE_DATABASES.has(this.startupDatabase)) return 'console';
    if (source !== null) return `source:${source}`;
    return this.startupDatabase === null ? 'unknown' : `database:${this.startupDatabase}`;
  }

  private subject(): LoginSubject {
    return { protocol: 'postgres', source: this.guardSource, user: this.guardUser, address: this.session.remoteAddress };
  }

  private peer(): string { return `${this.session.remoteAddress}:${this.session.remotePort}`; }
}
