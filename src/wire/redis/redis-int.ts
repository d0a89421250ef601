/**
 * Redis's string2ll (util.c), the rule every length line of a client command is read with:
 * an optional '-', no '+', no leading zeros ("01", "-0"), no spaces, fewer than 21 characters,
 * and within a signed 64-bit integer. Ported rule for rule so that Sluice refuses exactly the
 * lengths Redis refuses, never one more or one less.
 */

const ZERO = 0x30;
const NINE = 0x39;
const MINUS = 0x2d;
/** LONG_STR_SIZE in Redis: a valid string is shorter than this. */
const LONG_STR_SIZE = 21;
/** Magnitudes of LLONG_MAX and LLONG_MIN, compared digit by digit when a number has 19 digits. */
const LLONG_MAX_DIGITS = '9223372036854775807';
const LLONG_MIN_DIGITS = '9223372036854775808';

/**
 * The integer in bytes[start, end), or NaN where Redis's string2ll fails. The value is exact up
 * to 2^53 and rounded beyond, which is enough for comparing it with limits below 2^53.
 */
export function parseRedisInt(bytes: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len === 0 || len >= LONG_STR_SIZE) return NaN;
  if (len === 1 && bytes[start] === ZERO) return 0;
  let p = start;
  const negative = bytes[p] === MINUS;
  if (negative && ++p === end) return NaN;
  const first = bytes[p]!;
  if (first <= ZERO || first > NINE) return NaN;
  let value = 0;
  for (let i = p; i < end; i++) {
    const c = bytes[i]!;
    if (c < ZERO || c > NINE) return NaN;
    value = value * 10 + (c - ZERO);
  }
  const digits = end - p;
  if (digits > 19) return NaN;
  if (digits === 19 && !withinDigits(bytes, p, negative ? LLONG_MIN_DIGITS : LLONG_MAX_DIGITS)) return NaN;
  return negative ? -value : value;
}

/** bytes[p, p + 19) as a decimal number is at most `limit` (19 digits). */
function withinDigits(bytes: Uint8Array, p: number, limit: string): boolean {
  for (let i = 0; i < limit.length; i++) {
    const d = bytes[p + i]!, l = limit.charCodeAt(i);
    if (d !== l) return d < l;
  }
  return true;
}
