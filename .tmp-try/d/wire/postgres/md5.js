/**
 * PostgreSQL's AuthenticationMD5Password math. The stored form 'md5' + md5hex(password + user) is
 * what pg_authid and PgBouncer's auth_file hold; knowing it is enough to log in, which is why
 * SCRAM is preferred wherever both sides speak it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
const STORED_MD5 = /^md5[0-9a-f]{32}$/;
const md5hex = (data) => createHash('md5').update(data).digest('hex');
/** The stored form: 'md5' + md5hex(password + user). */
export function md5PasswordHash(user, password) {
    return `md5${md5hex(password + user)}`;
}
/**
 * The PasswordMessage answer to a 4-byte salt: 'md5' + md5hex(md5hex(password + user) + salt).
 * A secret already in the stored form is used as is, the way PostgreSQL treats a password that
 * looks like an md5 hash as pre-hashed.
 */
export function md5Response(user, passwordOrStoredHash, salt) {
    const inner = STORED_MD5.test(passwordOrStoredHash) ? passwordOrStoredHash.slice(3) : md5hex(passwordOrStoredHash + user);
    return `md5${md5hex(Buffer.concat([Buffer.from(inner, 'latin1'), salt]))}`;
}
/**
 * Checks a client's md5 answer in constant time. A SCRAM verifier cannot answer an md5 challenge
 * (it does not hold md5(password + user)), so it never verifies here; the caller picks SCRAM for it.
 */
export function md5Verify(storedOrPassword, user, salt, clientResponse) {
    if (storedOrPassword.startsWith('SCRAM-SHA-256$'))
        return false;
    const expected = Buffer.from(md5Response(user, storedOrPassword, salt), 'latin1');
    const actual = Buffer.from(clientResponse, 'latin1');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
}
//# sourceMappingURL=md5.js.map