/**
 * Durations in the YAML config: `500ms`, `30s`, `5m`, `1h`, `1d`, or a bare number meaning
 * seconds (PgBouncer's ini files count in seconds, and operators migrate with that habit).
 * The resolved config holds milliseconds.
 */
import { ConfigError } from '../errors.js';
import { showValue } from './issue-text.js';

export const DURATION_FORM = 'a duration such as 500ms, 30s, 5m, 1h or 1d (a bare number means seconds)';

/** Node clamps longer timers to 1 ms with only a warning, so a bigger value would fire at once. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Shared with the schema (a JSON Schema pattern), so both accept exactly the same text. */
export const DURATION_PATTERN = '^(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)?$';
const DURATION_TEXT = new RegExp(DURATION_PATTERN);

/** Milliseconds for a duration value; throws ConfigError naming `path` when it is not one. */
export function parseDuration(value: string | number, path = 'duration'): number {
  const ms = toMilliseconds(value);
  if (ms === undefined) {
    throw new ConfigError(`invalid duration at ${path}`, [`${path}: must be ${DURATION_FORM} (got ${showValue(value)})`]);
  }
  if (ms > MAX_DURATION_MS) {
    throw new ConfigError(`duration too long at ${path}`, [`${path}: must be at most 24d (${MAX_DURATION_MS} ms), the longest timer Node.js supports (got ${showValue(value)})`]);
  }
  return ms;
}

function toMilliseconds(value: string | number): number | undefined {
  if (typeof value === 'number') return value >= 0 ? Math.round(value * 1000) : undefined;
  const match = DURATION_TEXT.exec(value);
  if (!match) return undefined;
  const [, amount = '', unit = 's'] = match;
  return Math.round(Number(amount) * (UNIT_MS[unit] ?? 1000));
}
