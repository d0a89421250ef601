/**
 * Classification rules are data: built-ins below, more from `discovery.rules` and the
 * business glossary in the config. A rule matches a column by name (regexes over the
 * snake_cased name) and/or by sampled values (a whole-value pattern, then an optional check).
 */
import type { CheckName } from './checks.js';

export interface ClassificationRule {
  type: string;
  /** Regexes (case-insensitive) tested against the column name in snake_case. */
  names?: string[];
  /** Regex a sampled value must match as a whole (anchors are added). */
  pattern?: string;
  /** A checksum or validity check run after the pattern. */
  check?: CheckName;
  /** Share of non-empty sampled values that must match for value evidence; default 0.8. */
  minShare?: number;
  /** Confidence from a name match alone; default 0.5. */
  nameConfidence?: number;
  /** Highest confidence from values alone; default 0.9, or 0.98 with a check. */
  valueConfidence?: number;
  /** Personal or secret data: profiles keep no sample values of it. Default true; glossary terms false. */
  sensitive?: boolean;
}

/** A glossary term: a business word mapped onto columns by its name, synonyms and value patterns. */
export interface GlossaryTerm {
  term: string;
  synonyms?: string[];
  patterns?: string[];
}

const word = (...alternatives: string[]) => `(^|_)(${alternatives.join('|')})(_|$)`;

export const BUILTIN_RULES: readonly ClassificationRule[] = [
  { type: 'email', names: [word('e?mail', 'email_address', 'mail_address')], pattern: '[A-Za-z0-9._%+\'-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}', nameConfidence: 0.7 },
  { type: 'phone', names: [word('phone', 'phone_number', 'mobile', 'cell', 'tel', 'telephone', 'fax', 'msisdn')], pattern: '\\+?[\\d\\s().-]{7,22}', check: 'phone', nameConfidence: 0.7, valueConfidence: 0.75 },
  { type: 'credit_card', names: [word('cc', 'card', 'card_number', 'credit_card', 'cc_number', 'pan')], pattern: '[\\d\\s-]{13,23}', check: 'luhn', nameConfidence: 0.6 },
  { type: 'iban', names: [word('iban', 'bank_account', 'account_iban')], pattern: '[A-Za-z]{2}\\d{2}[A-Za-z0-9 ]{11,40}', check: 'iban', nameConfidence: 0.7 },
  { type: 'us_ssn', names: [word('ssn', 'social_security', 'social_security_number')], pattern: '\\d{3}[- ]?\\d{2}[- ]?\\d{4}', check: 'us_ssn', nameConfidence: 0.7, valueConfidence: 0.9 },
  { type: 'uk_nino', names: [word('nino', 'ni_number', 'national_insurance', 'national_insurance_number')], pattern: '(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z]{2} ?\\d{2} ?\\d{2} ?\\d{2} ?[A-D]', nameConfidence: 0.7, valueConfidence: 0.95 },
  { type: 'nl_bsn', names: [word('bsn', 'burgerservicenummer')], pattern: '\\d{9}', check: 'nl_bsn', nameConfidence: 0.7, valueConfidence: 0.9 },
  { type: 'es_dni', names: [word('dni', 'nie', 'nif')], pattern: '[XYZ\\d]\\d{7}-?[A-Za-z]', check: 'es_dni', nameConfidence: 0.7 },
  { type: 'ipv4', names: [word('ip', 'ip_address', 'ipv4', 'remote_addr', 'client_ip')], pattern: '[\\d./]{7,18}', check: 'ipv4', nameConfidence: 0.6 },
  { type: 'ipv6', names: [word('ipv6', 'ip6')], pattern: '[0-9A-Fa-f:./]{2,49}', check: 'ipv6', nameConfidence: 0.6 },
  {
    type: 'person_name',
    names: [word('first_?name', 'last_?name', 'surname', 'given_name', 'family_name', 'full_name', 'fname', 'lname', 'middle_name', 'maiden_name'), '^(name|customer_name|contact_name|person_name|user_name_full)$'],
    pattern: "\\p{Lu}[\\p{Ll}'’-]+(?: \\p{Lu}[\\p{Ll}'’.-]*){0,3}", nameConfidence: 0.7, valueConfidence: 0.4,
  },
  {
    type: 'street_address',
    names: [word('address', 'street', 'address_line_?\\d?', 'addr', 'street_address', 'billing_address', 'shipping_address')],
    pattern: "\\d+[A-Za-z]?\\s+[\\p{L}\\d .'-]+\\s(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Ln|Lane|Dr|Drive|Way|Ct|Court|Pl|Place|Sq|Square|Ter|Terrace)\\.?(?:[, ].*)?",
    nameConfidence: 0.6, valueConfidence: 0.7,
  },
  { type: 'date_of_birth', names: [word('dob', 'birth_?date', 'date_of_birth', 'birthday', 'born_on', 'birth_dt')], pattern: '\\d{4}-\\d{2}-\\d{2}.*', check: 'birth_date', nameConfidence: 0.8, valueConfidence: 0.3 },
  {
    type: 'secret',
    names: [word('password', 'passwd', 'pwd', 'secret', 'api_?key', 'access_?key', 'secret_?key', 'private_?key', 'token', 'auth_token', 'access_token', 'refresh_token', 'client_secret')],
    pattern: [
      'AKIA[0-9A-Z]{16}', 'gh[pousr]_[A-Za-z0-9]{36}', 'xox[abprs]-[A-Za-z0-9-]{10,}', '(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}',
      'AIza[0-9A-Za-z_-]{35}', 'eyJ[A-Za-z0-9_-]+\\.eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+', '-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*',
      '\\$2[aby]\\$\\d{2}\\$[./A-Za-z0-9]{53}', '\\$argon2(?:id|i|d)\\$[^\\s]+',
    ].join('|'),
    nameConfidence: 0.7, valueConfidence: 0.95,
  },
];

/** A glossary term as a rule: its words (term and synonyms) as name matches, its patterns as values. */
export function glossaryRule(t: GlossaryTerm): ClassificationRule {
  const words = [t.term, ...t.synonyms ?? []].map((w) => w.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return {
    type: `glossary:${t.term}`,
    names: [word(...words)],
    ...(t.patterns && t.patterns.length > 0 && { pattern: t.patterns.map((p) => `(?:${p})`).join('|') }),
    nameConfidence: 0.7,
    sensitive: false,
  };
}
