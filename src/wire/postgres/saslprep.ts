/**
 * SASLprep (RFC 4013) of a SCRAM password, the way PostgreSQL applies it (src/common/saslprep.c):
 * a password that is pure ASCII, or that fails any step, is used as its raw bytes, so what matters
 * is doing exactly what PostgreSQL and libpq do whenever the prepared string differs from the raw.
 *
 * Steps: map non-ASCII spaces (C.1.2) to U+0020 and drop "commonly mapped to nothing" (B.1); an
 * empty result fails; fail on any prohibited (C.1.2, C.2–C.9) or Unicode 3.2 unassigned (A.1)
 * code point or on bad bidi (RFC 3454 §6); then NFKC. Only NFKC comes from a newer Unicode
 * (Node's ICU), which is stable for every code point that survives the A.1 check.
 *
 * The range tables were generated from Python's stringprep module (RFC 3454, Unicode 3.2): each is
 * a list of hex `gap[.span]` items, gap counted from the end of the previous range plus one.
 */

const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu;
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;

/** Decodes a packed table into sorted [first, last] pairs. */
function unpack(packed: string): Uint32Array {
  const items = packed.split(' ');
  const table = new Uint32Array(items.length * 2);
  let next = 0;
  items.forEach((item, i) => {
    const [gap, span = '0'] = item.split('.');
    table[2 * i] = next + parseInt(gap, 16);
    table[2 * i + 1] = table[2 * i] + parseInt(span, 16);
    next = table[2 * i + 1] + 1;
  });
  return table;
}

function inTable(table: Uint32Array, cp: number): boolean {
  let lo = 0;
  let hi = table.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (cp < table[2 * mid]) hi = mid - 1;
    else if (cp > table[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** C.1.2, C.2.1–C.9 and A.1 (unassigned in Unicode 3.2); with one of these PostgreSQL keeps the raw bytes. */
const PROHIBITED = unpack(
  '0.1f 5f.21 180 12.1b 5e.1 3f.10 40.1 e.f 10.3 2.3 1.2 1.4 7 1 14 2c 27.8 87 47 26.1 2.5 10.20 ' +
  '26.1 7 27 2.5 11 17 a.a 1b.4 5.16 1.d 1.2 1 1a.4 16.9 7d 10.1 f e.1 1d.2 1b.34 32.14e 3 35.1 ' +
  '12.1 5.2 19.f 3 8.1 2.1 16 7 1.2 4.1 1 7.1 2.1 3.8 1.3 2 5.1 15.6 1.1 6.3 2.1 16 7 2 2 2.1 1 5.3 ' +
  '2.1 3.a 4 1.6 f.b 3 7 1 3 16 7 2 5.1 a 3 3.1 1.e 1.4 a.10 3 8.1 2.1 16 7 2.1 4.1 8.2 2.1 3.7 2.3 ' +
  '2 3.3 b.10 2 6.2 3 4.2 2 1 2.2 2.2 3.2 8 3.3 5.2 3 4.8 1.e c.d 3 8 3 17 a 5.3 7 3 4.6 2.8 2.3 ' +
  'a.11 2 8 3 17 a 5.3 7 3 4.6 2.6 1 2.3 a.11 2 8 3 17 10.3 6.1 3 4.8 1.7 2.3 a.11 2 12.2 18 9 1.1 ' +
  '7.2 1.3 6 1 8.11 3.b 3a.3 1d.24 2 1.1 2 1.1 1.5 4 7 3 1 1.1 2 d 3.1 5 1 6.1 a.1 2.21 48 22.5 ' +
  '1b.3 8 24 f.1 1.2f 22 5 2 7.2 4.5 1a.45 26.9 29.1 1.3 5a.4 44.4 52.5 7 3f 1 4.1 7 1 4.1 27 1 4.1 ' +
  '1f 1 4.1 7 1 4.1 7 7 17 1f 1 4.1 7 27 13.5 1c.22 55.b 276.9 1c.2 51.e d 7.a 17.8 14.b d 3 2.b ' +
  '5d.2 a.15 e.1 a.5 58.7 2a.555 9c.3 5a.5 16.1 6.1 26.1 6.1 8 1 1 1 1f.1 35 f e.1 6 13.1 3 9.10 ' +
  '18.7 23.3 1.17 2.1 1b.10 12.1d 1b.14 3b.1 f.6 31.b 23f.30 27.18 b.14 9f 114.1 2 65.1 a.76 4 4.1 ' +
  '1c 23 1 4.2 1 7.1 34.2 18 e.10 1c.3 310.37f 1a 59.b d6.2a 3f 56.1 67.4 28.3 5e 28.37 2d.2 24.c ' +
  '2b.2 4d.3 2f 77.3 63.1 1f 19b6.49 51a6.59 48d.2 37.738 2ba4.215b 12e.1 3b.94 7.b 5.4 1a 5 1 2 2 ' +
  '6c.20 16d.f 40.1 36.27 d.2 10.f 4.b 17.1 a 13 4.3 5 87.3 be.2 6.1 6.1 6.1 3.2 7 7.310 1f 4.b ' +
  '1b.b4 26.1 26.cbb1 f6.9 27.2 49.7 63.221 55 47 2.1 1.1 2.1 4 c 1 4 2 41 4.1 8 7 1c 4 5 1.2 7 ' +
  '152.3 122.3 32.27ff a6d7.5128 21e.e05e1',
);

/** D.1: characters with bidirectional property R or AL. */
const RAND_AL_CAT = unpack(
  '5be 1 2 c.1a 5.4 26 3 1.19 5.a 22.2 1.64 7 7.1 13.4 1.d 2 1.1a 53.25 b 185d db0d 1.9 1.c 1.4 1 ' +
  '1.1 1.1 1.6b 21.16a 12.3f 2.35 28.c 73.4 1.86',
);

/** D.2: characters with bidirectional property L. */
const L_CAT = unpack(
  '41.19 6.19 2f a 4 5.16 1.1e 1.128 1.11 1c.5d 2.8 2.6 e.1 e.4 9 8b b 1.2 1 1.13 1.2b 1.25 a.82 ' +
  '7.44 1.25 2.1 6.f 21.25 2.6 1.26 1 379 1.34 3.3 8.3 3 7.9 2.c 11.1 1.7 2.1 2.15 1.6 1 3.3 4.2 ' +
  '6.1 2.1 a 4.1 1.2 4.b 2.6 a.5 4.1 2.15 1.6 1.1 1.1 1.1 4.2 18.3 1 7.9 2.2 e 1.6 1 1.2 1.15 1.6 ' +
  '1.1 1.4 3.3 8 1.1 3 f 5.9 12.1 1.7 2.1 2.15 1.6 1.1 2.3 3.1 1 6.1 2.1 a 4.1 1.2 4.a 12 1.5 3.2 ' +
  '1.3 3.1 1 1.1 3.1 3.2 3.7 1.2 4.1 1.1 3.2 1.2 a f.b e.2 1.7 1.2 1.16 1.9 1.4 7.3 1b.1 4.9 12.1 ' +
  '1.7 1.2 1.16 1.9 1.4 4 1.4 2.1 1.1 9.1 7 1.1 4.9 12.1 1.7 1.2 1.16 1.f 4.2 5.2 1.2 a 8.1 4.9 ' +
  '12.1 1.11 3.17 1.8 1 2.6 8.2 6.7 12.2 c.2f 1.1 c.6 8.c 25.1 1 2.1 1 2 6.3 1.6 1.2 1 1 2.1 1.3 ' +
  '1.1 9 2.4 1 9.9 2.1 22.17 2.1a 1 1 5.9 1.21 14 5 2.3 32.7 1.5 2 30.21 1.4 1.1 1 4 6 7.17 48.25 ' +
  'a.28 2 4.59 5.43 5.51 6.6 1.3e 1 1.3 2.6 1 1.3 2.26 1 1.3 2.1e 1 1.3 2.6 1 1.3 2.6 1.6 1.16 1.1e ' +
  '1 1.3 2.6 1.26 1.12 6.1b 23.54 c.275 a.19 5.50 f.c 1.3 e.11 3.1 9.11 e.c 1.2 f.36 7.7 1.1 b.6 1 ' +
  '3.9 26.9 6.57 8.28 557.9b 4.59 6.15 2.5 2.25 2.5 2.7 1 1 1 1.1e 2.34 1.6 1 3.2 1.6 3.3 2.5 4.c ' +
  '5.2 1.6 11 62 d 82 4 2.9 1 3.4 6 1 1 1.3 1.2 1.6 3.2 5.4 16.23 1b2.44 1a 106.4d b1b.2 19.8 7.4 ' +
  '2.4 4.55 6.2 1.59 1.3 5.27 4.5d 1.27 38.2c 3.23 1c.1b 3.31 f.b 4.2e 1.76 4.62 2.1e 1.19b5 ' +
  '4a.51a5 5a.48c 773.2ba3 5c.222d 2.3a 95.6 c.4 409.19 6.19 b.58 3.5 2.5 2.5 2.2 323.1e 1.3 c.1a ' +
  'b5.25 2.25 cbb2.f5 a.26 3.3c 3.8 10.1 7.1d 4.2f 222.54 1.46 1.1 2 2.1 2.3 1.b 1 1.3 1.1 1.40 1.3 ' +
  '2.7 1.6 1.1b 1.3 1.4 1 3.6 1.151 4.121 2836.a6d6 5129.21d c05e2.fffd 2.fffd',
);

/** Returns the SASLprep'd password, or the password unchanged where PostgreSQL would use raw bytes. */
export function saslprep(password: string): string {
  if (/^[\x00-\x7F]*$/.test(password)) return password;
  const mapped = password.replace(NON_ASCII_SPACE, ' ').replace(MAPPED_TO_NOTHING, '');
  if (mapped.length === 0) return password;
  // PostgreSQL runs the prohibit and bidi checks on the mapped text before NFKC (RFC 4013 says
  // after); both ends of a PostgreSQL login do it that way, so we do too. Code points, not UTF-16
  // units: a lone surrogate comes out as itself and is prohibited (C.5).
  const cps = Array.from(mapped, (ch) => ch.codePointAt(0) ?? 0);
  if (cps.some((cp) => inTable(PROHIBITED, cp))) return password;
  return bidiAllowed(cps) ? mapped.normalize('NFKC') : password;
}

/** RFC 3454 §6: right-to-left text may not hold left-to-right characters and must start and end RTL. */
function bidiAllowed(cps: readonly number[]): boolean {
  if (!cps.some((cp) => inTable(RAND_AL_CAT, cp))) return true;
  if (cps.some((cp) => inTable(L_CAT, cp))) return false;
  return inTable(RAND_AL_CAT, cps[0]) && inTable(RAND_AL_CAT, cps[cps.length - 1]);
}
