/**
 * Fernet (https://github.com/fernet/spec), version 0x80, with node:crypto only.
 *
 *   key   = base64url(signing key 16 ‖ encryption key 16)
 *   token = base64url(0x80 ‖ timestamp 8, big-endian seconds ‖ IV 16 ‖ AES-128-CBC ciphertext ‖ HMAC-SHA256 32)
 *
 * The HMAC covers every byte before it. Tokens interoperate with Python's cryptography.fernet
 * and the other implementations that pass the specification's vectors.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { FernetError } from '../../errors.js';

export interface FernetKey {
  readonly signing: Buffer;
  readonly encryption: Buffer;
}

export interface EncryptOptions {
  /** The token's timestamp (default: the current time). */
  readonly now?: Date;
  /** Only for reproducing published vectors: a reused IV leaks plaintext equality. */
  readonly iv?: Uint8Array;
}

export interface DecryptOptions {
  /** Refuse tokens older than this; without it a token's age does not matter. */
  readonly ttlSeconds?: number;
  readonly now?: Date;
}

const VERSION = 0x80;
const HEADER = 1 + 8 + 16;
const HMAC_LENGTH = 32;
const BLOCK = 16;
/** Version, timestamp, IV, one block of ciphertext (PKCS7 always adds at least one) and the HMAC. */
const MIN_TOKEN = HEADER + BLOCK + HMAC_LENGTH;
/** The published vectors refuse a timestamp more than 60 s ahead of the verifier's clock. */
const MAX_CLOCK_SKEW = 60n;
/** Padded base64url only: Python and the spec vectors reject anything else, and so must we. */
const BASE64URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?$/;

/** Strict base64url: Buffer.from skips characters it does not know, which would let junk through. */
function decodeBase64url(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  // Non-zero bits in the last character's unused tail would decode to the same bytes: refuse them.
  return bytes.toString('base64url') === text.replace(/=+$/, '') ? bytes : null;
}

function encodeBase64url(bytes: Buffer): string {
  const text = bytes.toString('base64url');
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}

export function parseFernetKey(text: string): FernetKey {
  const bytes = decodeBase64url(text.trim());
  if (bytes === null || bytes.length !== 32) {
    throw new FernetError('SLUICE_FERNET_KEY_INVALID', 'a Fernet key is 32 bytes in padded base64url (44 characters ending in "=")');
  }
  return { signing: bytes.subarray(0, 16), encryption: bytes.subarray(16) };
}

export function generateFernetKey(): string {
  return encodeBase64url(randomBytes(32));
}

function toKey(key: string | FernetKey): FernetKey {
  return typeof key === 'string' ? parseFernetKey(key) : key;
}

function seconds(date: Date | undefined): bigint {
  return BigInt(Math.floor((date ?? new Date()).getTime() / 1000));
}

function sign(key: FernetKey, signed: Buffer): Buffer {
  return createHmac('sha256', key.signing).update(signed).digest();
}

/** Rotation keeps a token's timestamp as it is, so the timestamp goes in as the raw field. */
function seal(key: FernetKey, plaintext: Uint8Array | string, timestamp: bigint, iv: Buffer): string {
  if (iv.length !== 16) throw new RangeError('a Fernet IV is 16 bytes');
  const header = Buffer.alloc(HEADER);
  header[0] = VERSION;
  header.writeBigUInt64BE(timestamp, 1);
  iv.copy(header, 9);
  const cipher = createCipheriv('aes-128-cbc', key.encryption, iv); // PKCS7 padding is node's default
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  const signed = Buffer.concat([header, cipher.update(data), cipher.final()]);
  return encodeBase64url(Buffer.concat([signed, sign(key, signed)]));
}

export function encrypt(key: string | FernetKey, plaintext: Uint8Array | string, options: EncryptOptions = {}): string {
  const iv = options.iv === undefined ? randomBytes(16) : Buffer.from(options.iv);
  return seal(toKey(key), plaintext, seconds(options.now), iv);
}

/** The signed part of a token and its timestamp, once the HMAC under `key` has been checked. */
interface VerifiedToken {
  readonly bytes: Buffer;
  readonly timestamp: bigint;
}

/** Everything that can be checked without a key: encoding, version, lengths. */
function parseToken(token: string): Buffer {
  const bytes = decodeBase64url(token);
  if (bytes === null) throw new FernetError('SLUICE_FERNET_TOKEN_MALFORMED', 'the token is not padded base64url');
  if (bytes[0] !== VERSION) throw new FernetError('SLUICE_FERNET_TOKEN_VERSION', 'the token is not a Fernet version 0x80 token');
  if (bytes.length < MIN_TOKEN) throw new FernetError('SLUICE_FERNET_TOKEN_MALFORMED', 'the token is too short');
  if ((bytes.length - HEADER - HMAC_LENGTH) % BLOCK !== 0) throw new FernetError('SLUICE_FERNET_TOKEN_MALFORMED', 'the token\'s ciphertext is not a whole number of AES blocks');
  return bytes;
}

function verify(key: FernetKey, bytes: Buffer): VerifiedToken {
  const signed = bytes.subarray(0, bytes.length - HMAC_LENGTH);
  if (!timingSafeEqual(sign(key, signed), bytes.subarray(bytes.length - HMAC_LENGTH))) {
    throw new FernetError('SLUICE_FERNET_TOKEN_SIGNATURE', 'the token\'s signature does not match: a different key made it, or it was altered');
  }
  return { bytes: signed, timestamp: bytes.readBigUInt64BE(1) };
}

/**
 * The age checks come after the HMAC (the spec lists them before): an unauthenticated timestamp
 * should not decide which error a forged token gets. Like Python's cryptography, the clock-skew
 * check applies only with a TTL: a stored secret must stay readable after the clock steps back.
 */
function checkAge(timestamp: bigint, options: DecryptOptions): void {
  if (options.ttlSeconds === undefined) return;
  const now = seconds(options.now);
  if (timestamp > now + MAX_CLOCK_SKEW) throw new FernetError('SLUICE_FERNET_TOKEN_FUTURE', 'the token was made more than 60 s in the future; check the clocks');
  if (timestamp + BigInt(Math.floor(options.ttlSeconds)) < now) throw new FernetError('SLUICE_FERNET_TOKEN_EXPIRED', `the token is older than its ${options.ttlSeconds} s time to live`);
}

function decipher(key: FernetKey, signed: Buffer): Buffer {
  const aes = createDecipheriv('aes-128-cbc', key.encryption, signed.subarray(9, HEADER));
  try {
    return Buffer.concat([aes.update(signed.subarray(HEADER)), aes.final()]);
  } catch {
    // Reachable only by a token signed with this signing key: a wrong encryption half, or a signer that padded badly.
    throw new FernetError('SLUICE_FERNET_TOKEN_PADDING', 'the token\'s padding is invalid: its encryption key does not match');
  }
}

export function decrypt(key: string | FernetKey, token: string, options: DecryptOptions = {}): Buffer {
  const k = toKey(key);
  const verified = verify(k, parseToken(token));
  checkAge(verified.timestamp, options);
  return decipher(k, verified.bytes);
}

/**
 * Several keys: the first encrypts, every one decrypts. This is what lets a key change without
 * a moment where some tokens are unreadable: add the new key first, re-encrypt, drop the old.
 */
export class MultiFernet {
  readonly #keys: readonly FernetKey[];

  constructor(keys: readonly (string | FernetKey)[]) {
    if (keys.length === 0) throw new FernetError('SLUICE_FERNET_KEY_INVALID', 'MultiFernet needs at least one key');
    this.#keys = keys.map(toKey);
  }

  get size(): number {
    return this.#keys.length;
  }

  encrypt(plaintext: Uint8Array | string, options: EncryptOptions = {}): string {
    return encrypt(this.#keys[0]!, plaintext, options);
  }

  /** A signature mismatch tries the next key; every other failure is the token's own and is thrown. */
  decrypt(token: string, options: DecryptOptions = {}): Buffer {
    return this.#open(token, options).plaintext;
  }

  /** The same plaintext and timestamp under the first key, as Python's MultiFernet.rotate does. */
  rotate(token: string): string {
    const { plaintext, timestamp } = this.#open(token, {});
    return seal(this.#keys[0]!, plaintext, timestamp, randomBytes(16));
  }

  #open(token: string, options: DecryptOptions): { plaintext: Buffer; timestamp: bigint } {
    const bytes = parseToken(token);
    for (const key of this.#keys) {
      let verified: VerifiedToken;
      try {
        verified = verify(key, bytes);
      } catch (err) {
        if (err instanceof FernetError && err.code === 'SLUICE_FERNET_TOKEN_SIGNATURE') continue;
        throw err;
      }
      checkAge(verified.timestamp, options);
      return { plaintext: decipher(key, verified.bytes), timestamp: verified.timestamp };
    }
    const which = this.#keys.length === 1 ? 'does not match the key' : `matches none of the ${this.#keys.length} keys`;
    throw new FernetError('SLUICE_FERNET_TOKEN_SIGNATURE', `the token's signature ${which}: a different key made it, or it was altered`);
  }
}
