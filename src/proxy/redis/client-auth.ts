/**
 * AUTH as Redis defines it, checked by Sluice against the source's users: `AUTH password`
 * names the user `default`; `AUTH user password` names its user. A source without users takes no
 * password, as a Redis without requirepass, whose default user is `nopass`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { RedisUserConfig } from '../../config/types.js';
import type { AuditSink } from '../../auth/audit/index.js';
import { type LoginGuard, type LoginSubject, lockoutEvent, lockoutMessage } from '../../auth/login-guard.js';

export const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.';
export const NOAUTH = 'NOAUTH Authentication required.';
export const AUTH_WITHOUT_PASSWORD = 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';

/** True when `user` may log in with `password`. */
export function checkPassword(users: readonly RedisUserConfig[], user: string, password: Buffer): boolean {
  if (users.length === 0) return user === 'default';
  const found = users.find((u) => u.name === user);
  if (found === undefined) {
    // Compare anyway, so an unknown user takes as long as a wrong password.
    equalSecrets(password, password);
    return false;
  }
  return equalSecrets(Buffer.from(found.password), password);
}

function equalSecrets(expected: Buffer, given: Buffer): boolean {
  if (expected.length !== given.length) {
    timingSafeEqual(given, given);
    return false;
  }
  return timingSafeEqual(expected, given);
}

/**
 * Brute-force protection for AUTH and HELLO AUTH: a reply refusing a locked-out user or
 * address, or null. Redis answers commands in order without waiting, so a failure is not
 * delayed here; the lockout alone bounds guessing.
 */
export function lockedOutReply(guard: LoginGuard | undefined, subject: LoginSubject): Buffer | null {
  const lock = guard?.check(subject) ?? null;
  return lock === null ? null : Buffer.from(`-ERR ${lockoutMessage(lock, subject.user)}\r\n`);
}

/** Counts an AUTH outcome; lockouts it starts go to the audit trail. */
export function countAuthAttempt(guard: LoginGuard | undefined, audit: AuditSink, subject: LoginSubject, ok: boolean, remote: string): void {
  if (guard === undefined) return;
  if (ok) {
    guard.success(subject);
    return;
  }
  for (const scope of guard.failure(subject).locked) audit.record(lockoutEvent(subject, scope, guard.lockoutMs, remote));
}

/** "10.0.0.1:5000" → "10.0.0.1"; "[::1]:5000" and "::1:5000" → "::1". */
export function addressOnly(remote: string): string {
  const at = remote.lastIndexOf(':');
  return (at < 0 ? remote : remote.slice(0, at)).replace(/^\[|\]$/g, '');
}
