import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { FernetError } from '../../src/errors.js';
import { MultiFernet, decrypt, encrypt, generateFernetKey, parseFernetKey } from '../../src/auth/secrets/fernet.js';

/** The specification's published vectors (test/fixtures/fernet/*.json say where they come from). */
function vectors<T>(name: string): T[] {
  const file: { vectors: T[] } = JSON.parse(readFileSync(new URL(`../fixtures/fernet/${name}.json`, import.meta.url), 'utf8'));
  return file.vectors;
}

interface Generate { token: string; now: string; iv: number[]; src: string; secret: string }
interface Verify { token: string; now: string; ttl_sec: number; src: string; secret: string }
interface Invalid { desc: string; token: string; now: string; ttl_sec: number; secret: string }

const KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';

t.test('generate.json: the same key, time, IV and message give the published token', async (t) => {
  const cases = vectors<Generate>('generate');
  t.ok(cases.length > 0);
  for (const v of cases) {
    t.equal(encrypt(v.secret, v.src, { now: new Date(v.now), iv: Uint8Array.from(v.iv) }), v.token);
  }
});

t.test('verify.json: the published token decrypts within its TTL', async (t) => {
  const cases = vectors<Verify>('verify');
  t.ok(cases.length > 0);
  for (const v of cases) {
    t.equal(decrypt(v.secret, v.token, { ttlSeconds: v.ttl_sec, now: new Date(v.now) }).toString('utf8'), v.src);
    t.equal(new MultiFernet([generateFernetKey(), v.secret]).decrypt(v.token, { ttlSeconds: v.ttl_sec, now: new Date(v.now) }).toString('utf8'), v.src, 'as the second key of several');
  }
});

t.test('invalid.json: every published invalid case is refused with a FernetError', async (t) => {
  const expected: Record<string, string> = {
    'incorrect mac': 'SLUICE_FERNET_TOKEN_SIGNATURE',
    'too short': 'SLUICE_FERNET_TOKEN_MALFORMED',
    'invalid base64': 'SLUICE_FERNET_TOKEN_MALFORMED',
    'payload size not multiple of block size': 'SLUICE_FERNET_TOKEN_MALFORMED',
    'payload padding error': 'SLUICE_FERNET_TOKEN_PADDING',
    'far-future TS (unacceptable clock skew)': 'SLUICE_FERNET_TOKEN_FUTURE',
    'expired TTL': 'SLUICE_FERNET_TOKEN_EXPIRED',
    'incorrect IV (causes padding error)': 'SLUICE_FERNET_TOKEN_PADDING',
    'trailing characters after b64 padding': 'SLUICE_FERNET_TOKEN_MALFORMED',
    'invalid characters in b64': 'SLUICE_FERNET_TOKEN_MALFORMED',
    'invalid non-urlsafe characters in b64': 'SLUICE_FERNET_TOKEN_MALFORMED',
  };
  const cases = vectors<Invalid>('invalid');
  t.equal(cases.length, Object.keys(expected).length, 'every case of the file is covered');
  for (const v of cases) {
    t.throws(() => decrypt(v.secret, v.token, { ttlSeconds: v.ttl_sec, now: new Date(v.now) }), { name: 'FernetError', code: expected[v.desc] }, v.desc);
    t.throws(() => new MultiFernet([generateFernetKey(), v.secret]).decrypt(v.token, { ttlSeconds: v.ttl_sec, now: new Date(v.now) }), { code: expected[v.desc] }, `${v.desc}, with several keys`);
  }
});

t.test('the TTL and the clock-skew limit at their edges', async (t) => {
  const made = new Date('2026-01-01T00:00:00Z');
  const token = encrypt(KEY, 'x', { now: made });
  const at = (s: number) => new Date(made.getTime() + s * 1000);
  t.equal(decrypt(KEY, token, { ttlSeconds: 60, now: at(60) }).toString(), 'x', 'exactly ttl seconds old is still valid');
  t.throws(() => decrypt(KEY, token, { ttlSeconds: 60, now: at(61) }), { code: 'SLUICE_FERNET_TOKEN_EXPIRED' });
  t.equal(decrypt(KEY, token, { ttlSeconds: 60, now: at(-60) }).toString(), 'x', '60 s of clock skew is tolerated');
  t.throws(() => decrypt(KEY, token, { ttlSeconds: 60, now: at(-61) }), { code: 'SLUICE_FERNET_TOKEN_FUTURE' });
  t.equal(decrypt(KEY, token, { now: at(-3600) }).toString(), 'x', 'without a TTL the age does not matter (a stored secret survives a clock step)');
});

t.test('keys: generated keys parse; wrong lengths and encodings are refused', async (t) => {
  const key = generateFernetKey();
  t.match(key, /^[A-Za-z0-9_-]{43}=$/);
  t.equal(parseFernetKey(key).signing.length, 16);
  for (const bad of ['', 'short', KEY.slice(0, 43), `${KEY}AAAA`, KEY.replace('_', '/'), Buffer.alloc(16).toString('base64url')]) {
    t.throws(() => parseFernetKey(bad), { code: 'SLUICE_FERNET_KEY_INVALID' }, JSON.stringify(bad));
  }
  t.throws(() => new MultiFernet([]), { code: 'SLUICE_FERNET_KEY_INVALID' });
  t.throws(() => encrypt(KEY, 'x', { iv: new Uint8Array(8) }), RangeError);
});

t.test('a token from another key is a signature error, also across several keys', async (t) => {
  const token = encrypt(generateFernetKey(), 'secret');
  t.throws(() => decrypt(KEY, token), { code: 'SLUICE_FERNET_TOKEN_SIGNATURE' });
  t.throws(() => new MultiFernet([KEY, generateFernetKey()]).decrypt(token), { code: 'SLUICE_FERNET_TOKEN_SIGNATURE', message: /matches none of the 2 keys/ });
});

t.test('MultiFernet: the first key encrypts, all decrypt; rotate moves a token to the first key', async (t) => {
  const oldKey = generateFernetKey();
  const newKey = generateFernetKey();
  const made = new Date('2026-03-01T12:00:00Z');
  const old = encrypt(oldKey, 'pw', { now: made });
  const both = new MultiFernet([newKey, oldKey]);
  t.equal(both.size, 2);
  t.equal(both.decrypt(old).toString(), 'pw');
  t.equal(decrypt(newKey, both.encrypt('fresh')).toString(), 'fresh', 'new tokens are under the first key');
  const rotated = both.rotate(old);
  t.equal(decrypt(newKey, rotated).toString(), 'pw');
  t.throws(() => decrypt(oldKey, rotated), { code: 'SLUICE_FERNET_TOKEN_SIGNATURE' });
  t.equal(decrypt(newKey, rotated, { ttlSeconds: 1, now: made }).toString(), 'pw', 'rotation keeps the original timestamp');
  t.throws(() => both.rotate(encrypt(generateFernetKey(), 'x')), { code: 'SLUICE_FERNET_TOKEN_SIGNATURE' });
});

t.test('property: every message round-trips under every key', async () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (message, keyBytes) => {
    const key = Buffer.from(keyBytes).toString('base64url') + '=';
    return Buffer.from(message).equals(decrypt(key, encrypt(key, message)));
  }), { numRuns: 300 });
});

t.test('property: flipping one bit anywhere in a token is refused with a FernetError', async () => {
  const key = generateFernetKey();
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (message, at, bit) => {
    const bytes = Buffer.from(encrypt(key, message), 'base64url');
    bytes[at % bytes.length]! ^= 1 << bit;
    const token = bytes.toString('base64url') + '='.repeat((4 - (bytes.toString('base64url').length % 4)) % 4);
    try {
      decrypt(key, token);
      return false;
    } catch (err) {
      return err instanceof FernetError;
    }
  }), { numRuns: 1000 });
});

t.test('property: random and mutated text never throws anything but FernetError', async () => {
  const key = generateFernetKey();
  const valid = encrypt(key, 'hello');
  const mutated = fc.tuple(fc.nat(), fc.string({ maxLength: 3 }), fc.nat({ max: 3 })).map(([at, insert, drop]) => {
    const i = at % valid.length;
    return valid.slice(0, i) + insert + valid.slice(i + drop);
  });
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), mutated), (text) => {
    try {
      decrypt(key, text, { ttlSeconds: 60 });
      return text === valid;
    } catch (err) {
      return err instanceof FernetError;
    }
  }), { numRuns: 2000 });
});
