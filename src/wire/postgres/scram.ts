/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it: no channel binding offered (gs2
 * header "n,," or "y,,"), no authzid, and the user comes from the startup packet, so the client
 * sends "n=*" and the server ignores it. Pure: no sockets, no timers.
 *
 * Messages are handled as latin1 strings so every byte maps to one char and back: the
 * AuthMessage the proof signs is rebuilt from exactly the bytes that crossed the wire.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { SluiceError } from '../../errors.js';
import { saslprep } from './saslprep.js';

export const SCRAM_MECHANISM = 'SCRAM-SHA-256';

/** A SCRAM message was malformed, asked for something unsupported, or failed a binding check. */
export class AuthProtocolError extends SluiceError {
  constructor(message: string) { super('SLUICE_AUTH_PROTOCOL', message); }
}

/** What the server keeps instead of the password (pg_authid.rolpassword). */
export interface ScramVerifier {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

/**
 * On success, `clientKey` is the client's ClientKey, recovered from its proof: with the stored
 * verifier's ServerKey it logs in to a server holding the same verifier, without the password
 * (PgBouncer's SCRAM pass-through).
 */
export type ScramServerResult = { ok: true; serverFinal: Buffer; clientKey: Buffer } | { ok: false; reason: string };

/** What logs in as a SCRAM client in place of a password: the keys a verifier and one client login give. */
export interface ScramClientKeys {
  clientKey: Buffer;
  serverKey: Buffer;
}

const KEY_LENGTH = 32;
const DEFAULT_ITERATIONS = 4096;
const SALT_LENGTH = 16; // PostgreSQL's SCRAM_DEFAULT_SALT_LEN
const NONCE_BYTES = 18; // PostgreSQL's SCRAM_RAW_NONCE_LEN
const MAX_ITERATIONS = 0x7fffffff; // node's pbkdf2 limit; PostgreSQL's is INT_MAX too
const ITERATIONS = /^[1-9][0-9]{0,9}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PRINTABLE = /^[\x21-\x2B\x2D-\x7E]+$/; // RFC 5802 "printable", every visible ASCII character but ','
const EXTENSION = /^[A-Za-z]=/;
const VERIFIER = /^SCRAM-SHA-256\$([0-9]+):([^$:]+)\$([^$:]+):([^$:]+)$/;

const hmac = (key: Buffer, data: Buffer | string): Buffer => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer | string): Buffer => createHash('sha256').update(data).digest();

/** Node's base64 decoder skips junk; SCRAM needs to reject it, so check the alphabet first. */
function decodeBase64(text: string): Buffer | null {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : null;
}

function parseIterations(text: string): number | null {
  const n = ITERATIONS.test(text) ? Number(text) : 0;
  return n >= 1 && n <= MAX_ITERATIONS ? n : null;
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

function deriveSaltedPassword(password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(saslprep(password), 'utf8'), salt, iterations, KEY_LENGTH, 'sha256');
}

function keysOf(salted: Buffer): { clientKey: Buffer; storedKey: Buffer; serverKey: Buffer } {
  const clientKey = hmac(salted, 'Client Key');
  return { clientKey, storedKey: sha256(clientKey), serverKey: hmac(salted, 'Server Key') };
}

function malformed(what: string, detail: string): AuthProtocolError {
  return new AuthProtocolError(`malformed SCRAM ${what}: ${detail}`);
}

function attribute(part: string | undefined, name: string, what: string): string {
  if (part === undefined || !part.startsWith(`${name}=`)) throw malformed(what, `expected attribute "${name}="`);
  return part.slice(2);
}

function checkExtensions(parts: readonly string[], what: string): void {
  for (const part of parts) if (!EXTENSION.test(part)) throw malformed(what, 'invalid attribute');
}

/** Derives a verifier (PBKDF2, the costly part): callers compute it once per user and keep it. */
export function scramVerifierFromPassword(
  password: string,
  options: { salt?: Buffer; iterations?: number } = {},
): ScramVerifier {
  const salt = options.salt ?? randomBytes(SALT_LENGTH);
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  const { storedKey, serverKey } = keysOf(deriveSaltedPassword(password, salt, iterations));
  return { iterations, salt, storedKey, serverKey };
}

/** Parses `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`; null when the text is not one. */
export function parseScramVerifier(text: string): ScramVerifier | null {
  const m = VERIFIER.exec(text);
  if (!m) return null;
  const iterations = parseIterations(m[1]);
  const salt = decodeBase64(m[2]);
  const storedKey = decodeBase64(m[3]);
  const serverKey = decodeBase64(m[4]);
  if (iterations === null || !salt?.length || storedKey?.length !== KEY_LENGTH || serverKey?.length !== KEY_LENGTH) return null;
  return { iterations, salt, storedKey, serverKey };
}

export function formatScramVerifier(v: ScramVerifier): string {
  const b64 = (b: Buffer): string => b.toString('base64');
  return `${SCRAM_MECHANISM}$${v.iterations}:${b64(v.salt)}$${b64(v.storedKey)}:${b64(v.serverKey)}`;
}

const SALTED_CACHE_LIMIT = 256;
const saltedCache = new Map<string, Buffer>();

/**
 * SaltedPassword for (password, salt, iterations), memoised so that opening many server
 * connections with one login runs PBKDF2 once. Least recently used entries go first; the key
 * holds a digest of the password so the map never keeps plaintext. Do not mutate the result.
 */
export function saltedPassword(password: string, salt: Buffer, iterations: number): Buffer {
  const key = `${iterations}:${salt.toString('base64')}:${sha256(password).toString('base64')}`;
  let salted = saltedCache.get(key);
  if (salted) {
    saltedCache.delete(key);
  } else {
    salted = deriveSaltedPassword(password, salt, iterations);
    if (saltedCache.size >= SALTED_CACHE_LIMIT) saltedCache.delete(saltedCache.keys().next().value ?? '');
  }
  saltedCache.set(key, salted);
  return salted;
}

interface ServerExchange {
  clientFirstBare: string;
  serverFirst: string;
  nonce: string;
  channelBinding: string;
}

/** Sluice as the server: checks a client's proof against a stored verifier. Only HMACs here. */
export class ScramServerSession {
  readonly #verifier: ScramVerifier;
  readonly #serverNonce: string;
  #exchange: ServerExchange | null = null;
  #finished = false;

  /** `serverNonce` is for test vectors; by default it is random, as PostgreSQL makes it. */
  constructor(verifier: ScramVerifier, serverNonce: string = randomBytes(NONCE_BYTES).toString('base64')) {
    if (verifier.storedKey.length !== KEY_LENGTH || verifier.serverKey.length !== KEY_LENGTH) {
      throw new AuthProtocolError('SCRAM verifier keys must be 32 bytes');
    }
    if (!PRINTABLE.test(serverNonce)) throw new AuthProtocolError('SCRAM server nonce must be printable ASCII without ","');
    this.#verifier = verifier;
    this.#serverNonce = serverNonce;
  }

  /** Reads client-first-message, returns server-first-message. */
  handleClientFirst(data: Buffer): Buffer {
    if (this.#exchange || this.#finished) throw new AuthProtocolError('unexpected SCRAM client-first-message');
    const what = 'client-first-message';
    const parts = data.toString('latin1').split(',');
    const [flag, authzid, user, nonceAttr, ...extensions] = parts;
    if (flag?.startsWith('p=')) {
      throw new AuthProtocolError('client requested SCRAM channel binding, but SCRAM-SHA-256-PLUS is not offered');
    }
    // 'y' means "I could bind but you did not offer it": fine while PLUS is not offered, and must
    // become a downgrade error the day it is.
    if (flag !== 'n' && flag !== 'y') throw malformed(what, 'channel binding flag must be "n" or "y"');
    if (authzid?.startsWith('a=')) throw new AuthProtocolError('SCRAM authorization identity is not supported');
    if (authzid !== '') throw malformed(what, 'expected an empty authorization identity');
    if (user?.startsWith('m=')) throw new AuthProtocolError('client requires an unsupported SCRAM extension');
    attribute(user, 'n', what);
    const clientNonce = attribute(nonceAttr, 'r', what);
    if (!PRINTABLE.test(clientNonce)) throw malformed(what, 'nonce must be printable ASCII without ","');
    checkExtensions(extensions, what);

    const v = this.#verifier;
    const nonce = clientNonce + this.#serverNonce;
    const serverFirst = `r=${nonce},s=${v.salt.toString('base64')},i=${v.iterations}`;
    this.#exchange = {
      clientFirstBare: parts.slice(2).join(','),
      serverFirst,
      nonce,
      channelBinding: Buffer.from(`${flag},,`, 'latin1').toString('base64'),
    };
    return Buffer.from(serverFirst, 'latin1');
  }

  /** Reads client-final-message: a wrong password is a result, broken protocol is a throw. */
  handleClientFinal(data: Buffer): ScramServerResult {
    const ex = this.#exchange;
    if (!ex || this.#finished) throw new AuthProtocolError('unexpected SCRAM client-final-message');
    this.#finished = true;
    const what = 'client-final-message';
    const parts = data.toString('latin1').split(',');
    const proofAttr = parts.length > 2 ? parts.pop() : undefined;
    if (attribute(parts[0], 'c', what) !== ex.channelBinding) throw new AuthProtocolError('SCRAM channel binding check failed');
    if (attribute(parts[1], 'r', what) !== ex.nonce) throw new AuthProtocolError('SCRAM nonce mismatch');
    checkExtensions(parts.slice(2), what);
    const proof = decodeBase64(attribute(proofAttr, 'p', what));
    if (proof?.length !== KEY_LENGTH) throw malformed(what, 'proof must be 32 bytes in base64');

    const authMessage = `${ex.clientFirstBare},${ex.serverFirst},${parts.join(',')}`;
    const messageBytes = Buffer.from(authMessage, 'latin1');
    const clientKey = xor(proof, hmac(this.#verifier.storedKey, messageBytes));
    if (!timingSafeEqual(sha256(clientKey), this.#verifier.storedKey)) {
      return { ok: false, reason: 'SCRAM proof does not match the stored verifier (wrong password)' };
    }
    const serverSignature = hmac(this.#verifier.serverKey, messageBytes).toString('base64');
    return { ok: true, serverFinal: Buffer.from(`v=${serverSignature}`, 'latin1'), clientKey };
  }
}

/** Escapes a saslname (RFC 5802 §5.1): '=' and ',' cannot appear bare. */
function saslName(name: string): string {
  return Buffer.from(name, 'utf8').toString('latin1').replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** Sluice as the client, logging in to a PostgreSQL server. */
export class ScramClientSession {
  readonly #password: string | ScramClientKeys;
  readonly #clientNonce: string;
  readonly #clientFirstBare: string;
  #serverSignature: Buffer | null = null;

  /** `nonce` and `username` are for test vectors: PostgreSQL takes the user from the startup packet. */
  constructor(password: string | ScramClientKeys, nonce: string = randomBytes(NONCE_BYTES).toString('base64'), username = '*') {
    if (!PRINTABLE.test(nonce)) throw new AuthProtocolError('SCRAM client nonce must be printable ASCII without ","');
    this.#password = password;
    this.#clientNonce = nonce;
    this.#clientFirstBare = `n=${saslName(username)},r=${nonce}`;
  }

  clientFirst(): Buffer {
    return Buffer.from(`n,,${this.#clientFirstBare}`, 'latin1');
  }

  /** Reads server-first-message, returns client-final-message. */
  handleServerFirst(data: Buffer): Buffer {
    if (this.#serverSignature) throw new AuthProtocolError('unexpected SCRAM server-first-message');
    const what = 'server-first-message';
    const serverFirst = data.toString('latin1');
    const [nonceAttr, saltAttr, iterationsAttr, ...extensions] = serverFirst.split(',');
    if (nonceAttr?.startsWith('m=')) throw new AuthProtocolError('server requires an unsupported SCRAM extension');
    const nonce = attribute(nonceAttr, 'r', what);
    if (!PRINTABLE.test(nonce) || !nonce.startsWith(this.#clientNonce) || nonce.length === this.#clientNonce.length) {
      throw malformed(what, 'server nonce does not extend the client nonce');
    }
    const salt = decodeBase64(attribute(saltAttr, 's', what));
    if (!salt?.length) throw malformed(what, 'salt must be non-empty base64');
    const iterations = parseIterations(attribute(iterationsAttr, 'i', what));
    if (iterations === null) throw malformed(what, `iteration count must be 1..${MAX_ITERATIONS}`);
    checkExtensions(extensions, what);

    const secret = this.#password;
    // Pass-through keys skip PBKDF2; they only work when the server's salt and iterations are the verifier's.
    const keys = typeof secret === 'string' ? keysOf(saltedPassword(secret, salt, iterations)) : { ...secret, storedKey: sha256(secret.clientKey) };
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = Buffer.from(`${this.#clientFirstBare},${serverFirst},${withoutProof}`, 'latin1');
    const proof = xor(keys.clientKey, hmac(keys.storedKey, authMessage));
    this.#serverSignature = hmac(keys.serverKey, authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'latin1');
  }

  /** Checks server-final-message: proves the server knew the verifier, not just any password. */
  verifyServerFinal(data: Buffer): void {
    const expected = this.#serverSignature;
    if (!expected) throw new AuthProtocolError('unexpected SCRAM server-final-message');
    const what = 'server-final-message';
    const [first, ...extensions] = data.toString('latin1').split(',');
    if (first?.startsWith('e=')) throw new AuthProtocolError(`server rejected SCRAM authentication: ${first.slice(2, 200)}`);
    const signature = decodeBase64(attribute(first, 'v', what));
    checkExtensions(extensions, what);
    if (signature?.length !== KEY_LENGTH || !timingSafeEqual(signature, expected)) {
      throw new AuthProtocolError('SCRAM server signature mismatch: the server does not know this password');
    }
  }
}
