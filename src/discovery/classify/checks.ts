/**
 * Checksums and validity checks that turn a pattern match into near-certainty: a random
 * 16-digit number passes Luhn one time in ten, a random IBAN-shaped string mod-97 one in 97.
 * Each takes the raw value and answers true only for a valid one.
 */
import { isIPv4, isIPv6 } from 'node:net';

const digitsOf = (v: string) => v.replace(/[\s-]/g, '');

export function luhn(value: string): boolean {
  const d = digitsOf(value);
  if (!/^\d{13,19}$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let n = d.charCodeAt(d.length - 1 - i) - 48;
    if (i % 2 === 1) n = n * 2 > 9 ? n * 2 - 9 : n * 2;
    sum += n;
  }
  return sum % 10 === 0;
}

/** ISO 13616: move the first four characters to the end, letters to 10..35, remainder mod 97 is 1. */
export function iban(value: string): boolean {
  const v = value.replace(/\s/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(v)) return false;
  let rest = 0;
  for (const ch of v.slice(4) + v.slice(0, 4)) {
    const n = ch >= 'A' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    rest = (rest * (n > 9 ? 100 : 10) + n) % 97;
  }
  return rest === 1;
}

/** US SSN: area not 000, 666 or 9xx; group not 00; serial not 0000 (SSA's own exclusions). */
export function usSsn(value: string): boolean {
  const m = /^(\d{3})[- ]?(\d{2})[- ]?(\d{4})$/.exec(value);
  if (!m) return false;
  const [, area, group, serial] = m;
  return area !== '000' && area !== '666' && area![0] !== '9' && group !== '00' && serial !== '0000';
}

/** Dutch BSN: nine digits passing the "elfproef" (weights 9..2 and -1). */
export function nlBsn(value: string): boolean {
  if (!/^\d{9}$/.test(value) || value === '000000000') return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (value.charCodeAt(i) - 48) * (9 - i);
  sum -= value.charCodeAt(8) - 48;
  return sum % 11 === 0;
}

/** Spanish DNI / NIE: eight digits (NIE: X, Y or Z then seven) and the control letter of the number mod 23. */
export function esDni(value: string): boolean {
  const m = /^([XYZ]|\d)(\d{7})-?([A-Z])$/.exec(value.toUpperCase());
  if (!m) return false;
  const first = m[1]!;
  const lead = first === 'X' ? '0' : first === 'Y' ? '1' : first === 'Z' ? '2' : first;
  return 'TRWAGMYFPDXBNJZSQVHLCKE'[Number(lead + m[2]) % 23] === m[3];
}

/** A calendar date between 1900 and today, as a birth date would be; time of day must be midnight if present. */
export function birthDate(value: string, now = Date.now()): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  return y >= 1900 && t <= now && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d;
}

/**
 * Phone numbers: 7 to 15 digits (E.164's limit), written as phones are: international (+),
 * in three or more groups, or national with a trunk 0. A bare run of digits is far more
 * often an id or an amount than a phone, so it does not count.
 */
export function phone(value: string): boolean {
  if (!/^\+?[\d\s().-]+$/.test(value)) return false;
  const digits = value.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return false;
  const groups = value.split(/[\s().-]+/).filter((g) => g !== '' && g !== '+').length;
  return value.startsWith('+') || groups >= 3 || /^0\d{9,10}$/.test(value);
}

/** Address columns (PostgreSQL inet, CIDR notation) carry a prefix length: `10.0.0.1/32`. */
function withoutPrefix(v: string): string {
  const m = /^(.*)\/\d{1,3}$/.exec(v);
  return m ? m[1]! : v;
}

export const CHECKS = {
  luhn, iban, us_ssn: usSsn, nl_bsn: nlBsn, es_dni: esDni, birth_date: (v: string) => birthDate(v), phone,
  ipv4: (v: string) => isIPv4(withoutPrefix(v)), ipv6: (v: string) => isIPv6(withoutPrefix(v)) && v.includes(':'),
} as const;

export type CheckName = keyof typeof CHECKS;
export const CHECK_NAMES = Object.keys(CHECKS) as CheckName[];
