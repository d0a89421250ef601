/**
 * AUTH as Redis defines it, checked by Sluice against the source's users: `AUTH password`
 * names the user `default`; `AUTH user password` names its user. A source without users takes no
 * password, as a Redis without requirepass, whose default user is `nopass`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { RedisUserConfig } from '../../config/types.js';

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
