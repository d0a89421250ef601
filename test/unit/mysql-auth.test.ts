// Tests of the password plugins' math. Vectors: the mysql.user hash of 'password' that every
// MySQL and MariaDB computes (PASSWORD('password')), and tokens worked out step by step from the
// protocol's formulas with node:crypto here. Properties: a token made from a password verifies
// against that password's stored hash and against no other password's; a token for one scramble
// does not verify with another; the RSA full path decrypts to the password with the matching key
// and to nothing with another key or a tampered message.
import { createHash, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import t from 'tap';
import {
  cachingSha2ClearPassword, cachingSha2DecryptPassword, cachingSha2EncryptPassword, cachingSha2Hash, cachingSha2Token,
  nativePasswordHash, nativePasswordToken, parseClearPassword, parseNativePasswordHash, verifyCachingSha2, verifyNativePassword,
} from '../../src/wire/mysql/auth.js';

const sha = (alg: string, ...parts: Buffer[]): Buffer => parts.reduce((h, p) => h.update(p), createHash(alg)).digest();
const xor = (a: Buffer, b: Buffer): Buffer => Buffer.from(a.map((x, i) => x ^ b[i]!));
const scrambleArb = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((a) => Buffer.from(a));
const passwordArb = fc.string({ minLength: 1, maxLength: 40 });

t.test('mysql_native_password: the stored hash is PASSWORD() without its star', async (t) => {
  t.equal(nativePasswordHash('password').toString('hex').toUpperCase(), '2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19');
  t.same(parseNativePasswordHash('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'), nativePasswordHash('password'));
  t.equal(parseNativePasswordHash(''), null, 'an empty password has no hash');
  t.equal(parseNativePasswordHash('2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'), null);
});

t.test('mysql_native_password: token from the formula, verification from the hash', async (t) => {
  const scramble = Buffer.from("}Q^bSZH9'VZD$$(;3+|R", 'latin1');
  const stage1 = sha('sha1', Buffer.from('secret'));
  const want = xor(stage1, sha('sha1', scramble, sha('sha1', stage1)));
  const token = nativePasswordToken('secret', scramble);
  t.same(token, want);
  t.ok(verifyNativePassword(token, scramble, nativePasswordHash('secret')));
  t.same(nativePasswordToken('', scramble), Buffer.alloc(0), 'empty password, empty token');
  t.notOk(verifyNativePassword(Buffer.alloc(0), scramble, nativePasswordHash('secret')));
  t.ok(verifyNativePassword(nativePasswordToken('x', Buffer.concat([scramble, Buffer.from([0])])), scramble, nativePasswordHash('x')), 'a trailing NUL on the nonce is ignored');
  fc.assert(fc.property(passwordArb, passwordArb, scrambleArb, scrambleArb, (pw, other, s1, s2) => {
    const tok = nativePasswordToken(pw, s1);
    return verifyNativePassword(tok, s1, nativePasswordHash(pw))
      && (pw === other || !verifyNativePassword(tok, s1, nativePasswordHash(other)))
      && (s1.equals(s2) || !verifyNativePassword(tok, s2, nativePasswordHash(pw)));
  }), { numRuns: 300 });
});

t.test('caching_sha2_password fast path: token from the formula, verification from the cached hash', async (t) => {
  const scramble = Buffer.from('0123456789abcdefghij');
  const stage1 = sha('sha256', Buffer.from('secret'));
  const want = xor(stage1, sha('sha256', sha('sha256', stage1), scramble));
  t.same(cachingSha2Token('secret', scramble), want);
  t.same(cachingSha2Hash('secret'), sha('sha256', stage1));
  t.ok(verifyCachingSha2(want, scramble, cachingSha2Hash('secret')));
  t.same(cachingSha2Token('', scramble), Buffer.alloc(0));
  fc.assert(fc.property(passwordArb, passwordArb, scrambleArb, scrambleArb, (pw, other, s1, s2) => {
    const tok = cachingSha2Token(pw, s1);
    return verifyCachingSha2(tok, s1, cachingSha2Hash(pw))
      && (pw === other || !verifyCachingSha2(tok, s1, cachingSha2Hash(other)))
      && (s1.equals(s2) || !verifyCachingSha2(tok, s2, cachingSha2Hash(pw)));
  }), { numRuns: 300 });
});

t.test('caching_sha2_password full path: RSA-OAEP of the password XOR the scramble', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' });
  fc.assert(fc.property(fc.string({ maxLength: 100 }), scrambleArb, (pw, scramble) => {
    const enc = cachingSha2EncryptPassword(pw, scramble, pem);
    const dec = cachingSha2DecryptPassword(enc, scramble, privateKey);
    const tampered = Buffer.from(enc);
    tampered[10]! ^= 1;
    return enc.length === 256 && dec !== null && dec.toString('utf8') === pw
      && cachingSha2DecryptPassword(enc, scramble, other.privateKey) === null
      && cachingSha2DecryptPassword(tampered, scramble, privateKey) === null;
  }), { numRuns: 30 });
  // The plaintext under the encryption is (password + NUL) XOR the scramble, cycled.
  const scramble = Buffer.from('abcdefghijklmnopqrst');
  const enc = cachingSha2EncryptPassword('a-password-longer-than-twenty-bytes', scramble, pem);
  const { privateDecrypt, constants } = await import('node:crypto');
  const plain = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, enc);
  const pw = Buffer.from('a-password-longer-than-twenty-bytes\0');
  t.same(plain, Buffer.from(pw.map((b, i) => b ^ scramble[i % 20]!)));
});

t.test('caching_sha2_password over TLS: the password in clear, NUL-terminated', async (t) => {
  t.same(cachingSha2ClearPassword('pw'), Buffer.from('pw\0'));
  t.same(parseClearPassword(Buffer.from('pw\0')), Buffer.from('pw'));
  t.equal(parseClearPassword(Buffer.from('pw')), null);
  t.equal(parseClearPassword(Buffer.alloc(0)), null);
});
