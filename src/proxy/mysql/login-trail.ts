/**
 * What a MySQL client login leaves behind, as PostgreSQL's (proxy/postgres/login-trail.ts):
 * the brute-force guard's counts (a lock is checked once the HandshakeResponse names the
 * user, before any password; failures and successes after) and the audit trail's
 * client.login records, which name the user and database the client sent, matched or not.
 */
import { type LoginSubject, lockoutEvent, lockoutMessage } from '../../auth/login-guard.js';
import type { MysqlProxyContext } from './context.js';
import { ER_ACCESS_DENIED_ERROR, ER_HOST_IS_BLOCKED, LoginRefused } from './errors.js';

/** A login refused because the user or the address is locked out: not counted as another failure. */
export class LoginLocked extends LoginRefused {}

export class MysqlLoginTrail {
  /** What the HandshakeResponse named. */
  user: string | null = null;
  database: string | null = null;
  /** The source the login matched; '' before or without a match. */
  source = '';

  constructor(private readonly ctx: Pick<MysqlProxyContext, 'loginGuard' | 'audit' | 'loginFailures'>, private readonly address: string, private readonly port: number) {}

  /** The refusal when the user or the address is locked out; null when the login may go on. */
  lockedOut(): LoginLocked | null {
    const lock = this.ctx.loginGuard.check(this.subject());
    if (lock === null) return null;
    const why = lockoutMessage(lock, this.user ?? '');
    // MySQL's own words for a blocked address (ER_HOST_IS_BLOCKED), which clients show as such.
    return lock.scope === 'address'
      ? new LoginLocked(`Host '${this.address}' is blocked: ${why}`, ER_HOST_IS_BLOCKED, 'HY000')
      : new LoginLocked(`Access denied for user '${this.user ?? ''}'@'${this.address}': ${why}`, ER_ACCESS_DENIED_ERROR, '28000');
  }

  /** Records a refusal; a wrong password or unknown user is also counted. Returns how long to wait before answering. */
  refused(err: LoginRefused): number {
    this.record('failed', { code: String(err.errno), reason: err.message });
    if (this.source !== '') this.ctx.loginFailures.set(this.source, (this.ctx.loginFailures.get(this.source) ?? 0) + 1);
    return err.errno === ER_ACCESS_DENIED_ERROR && !(err instanceof LoginLocked) ? this.failed() : 0;
  }

  /** Counted by the guard; a lockout it starts is recorded. Returns how long to wait before answering. */
  private failed(): number {
    const subject = this.subject();
    const outcome = this.ctx.loginGuard.failure(subject);
    for (const scope of outcome.locked) this.ctx.audit.record(lockoutEvent(subject, scope, this.ctx.loginGuard.lockoutMs, this.peer()));
    return outcome.delayMs;
  }

  succeeded(): void {
    this.ctx.loginGuard.success(this.subject());
    this.record('ok');
  }

  private record(result: 'ok' | 'failed', detail?: Record<string, string>): void {
    this.ctx.audit.record({
      actor: this.user === null ? 'anonymous' : `user:${this.user}`,
      action: 'client.login',
      target: this.target(),
      result,
      source: this.peer(),
      detail: { protocol: 'mysql', ...detail },
    });
  }

  /** What the login was for: a matched source, or the database name sent. */
  private target(): string {
    if (this.source !== '') return `source:${this.source}`;
    return this.database === null || this.database === '' ? 'unknown' : `database:${this.database}`;
  }

  private subject(): LoginSubject {
    return { protocol: 'mysql', source: this.source, user: this.user ?? '', address: this.address };
  }

  private peer(): string { return `${this.address}:${this.port}`; }
}
