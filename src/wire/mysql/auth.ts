/**
 * The math of the two password plugins, both directions: what a client sends (Sluice as a
 * client of its backends) and how a server checks it without the password (Sluice towards
 * its clients, from a stored hash).
 *
 * mysql_native_password: token = SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))); the server
 * keeps SHA1(SHA1(pw)) (the hex after '*' in mysql.user).
 * caching_sha2_password fast path: token = SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + scramble);
 * the server's cache keeps SHA256(SHA256(pw)). When the cache misses, the full path sends the
 * password itself: in clear over TLS, else RSA-OAEP encrypted after XOR with the scramble.
 */
import { constants, createHash, privateDecrypt, publicEncrypt, timingSafeEqual } from 'node:crypto';
import type { KeyLike } from 'node:crypto';

/** caching_sha2_password AuthMoreData verdicts and the client's public-key request. */
export const CACHING_SHA2_REQUEST_PUBLIC_KEY = 0x02;
export const CACHING_SHA2_FAST_AUTH_SUCCESS = 0x03;
export const CACHING_SHA2_PERFORM_FULL_AUTH = 0x04;

function sha1(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
}

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

function bytesOf(p: string | Uint8Array): Buffer {
  return typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p);
}

function xor(a: Buffer, b: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** The scramble both plugins hash is the first 20 bytes of the nonce the server sent. */
function nonce(scramble: Uint8Array): Uint8Array {
  return scramble.subarray(0, 20);
}

/** SHA1(SHA1(password)): what a server stores for mysql_native_password. */
export function nativePasswordHash(password: string | Uint8Array): Buffer {
  return sha1(sha1(bytesOf(password)));
}

/** The client's token; empty for an empty password, as real clients send. */
export function nativePasswordToken(password: string | Uint8Array, scramble: Uint8Array): Buffer {
  const pw = bytesOf(password);
  if (pw.length === 0) return Buffer.alloc(0);
  const stage1 = sha1(pw);
  return xor(stage1, sha1(nonce(scramble), sha1(stage1)));
}

/** Check a client's token against the stored SHA1(SHA1(password)), in constant time. */
export function verifyNativePassword(token: Uint8Array, scramble: Uint8Array, storedHash: Uint8Array): boolean {
  if (storedHash.length !== 20) return false;
  if (token.length !== 20) return false;
  const stage1 = xor(sha1(nonce(scramble), storedHash), token);
  return timingSafeEqual(sha1(stage1), storedHash);
}

/** Parse the "*HEX" form of mysql.user.authentication_string for mysql_native_password. */
export function parseNativePasswordHash(text: string): Buffer | null {
  return /^\*[0-9A-Fa-f]{40}$/.test(text) ? Buffer.from(text.slice(1), 'hex') : null;
}

/** SHA256(SHA256(password)): what caching_sha2_password's server cache holds. */
export function cachingSha2Hash(password: string | Uint8Array): Buffer {
  return sha256(sha256(bytesOf(password)));
}

/** The client's fast-path token; empty for an empty password. */
export function cachingSha2Token(password: string | Uint8Array, scramble: Uint8Array): Buffer {
  const pw = bytesOf(password);
  if (pw.length === 0) return Buffer.alloc(0);
  const stage1 = sha256(pw);
  return xor(stage1, sha256(sha256(stage1), nonce(scramble)));
}

/** Check a fast-path token against the cached SHA256(SHA256(password)), in constant time. */
export function verifyCachingSha2(token: Uint8Array, scramble: Uint8Array, cachedHash: Uint8Array): boolean {
  if (cachedHash.length !== 32 || token.length !== 32) return false;
  const stage1 = xor(sha256(cachedHash, nonce(scramble)), token);
  return timingSafeEqual(sha256(stage1), cachedHash);
}

/** The password NUL-terminated and XORed with the scramble, cycled: what the RSA path encrypts. */
function xorWithScramble(data: Buffer, scramble: Uint8Array): Buffer {
  const n = nonce(scramble);
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ n[i % n.length]!;
  return out;
}

/**
 * The full-path answer without TLS: RSA-OAEP (SHA-1 MGF, as the servers use) of the
 * NUL-terminated password XOR the scramble, with the server's PEM public key.
 */
export function cachingSha2EncryptPassword(password: string | Uint8Array, scramble: Uint8Array, publicKeyPem: KeyLike): Buffer {
  const plain = Buffer.concat([bytesOf(password), Buffer.alloc(1)]);
  return publicEncrypt({ key: publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING }, xorWithScramble(plain, scramble));
}

/**
 * Sluice's side of the full path: the password a client encrypted with Sluice's public key.
 * Returns null when the data does not decrypt or is not a NUL-terminated password.
 */
export function cachingSha2DecryptPassword(encrypted: Uint8Array, scramble: Uint8Array, privateKey: KeyLike): Buffer | null {
  let plain: Buffer;
  try {
    plain = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, encrypted);
  } catch {
    return null;
  }
  const pw = xorWithScramble(plain, scramble);
  if (pw.length === 0 || pw[pw.length - 1] !== 0) return null;
  return pw.subarray(0, pw.length - 1);
}

/** The full-path answer over TLS: the password in clear, NUL-terminated. */
export function cachingSha2ClearPassword(password: string | Uint8Array): Buffer {
  return Buffer.concat([bytesOf(password), Buffer.alloc(1)]);
}

/** Sluice's side over TLS: the password from a clear-text answer, or null when it is not NUL-terminated. */
export function parseClearPassword(data: Uint8Array): Buffer | null {
  if (data.length === 0 || data[data.length - 1] !== 0) return null;
  return Buffer.from(data.subarray(0, data.length - 1));
}
