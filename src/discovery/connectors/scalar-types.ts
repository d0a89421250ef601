/**
 * Types of text values (CSV cells): each value gets its narrowest type, and a column the
 * narrowest type that holds all its values. integer ⊂ number, date ⊂ timestamp, and every
 * type ⊂ string, so one odd value turns a column into string rather than failing.
 */

export const SCALAR_TYPES = ['boolean', 'integer', 'number', 'date', 'timestamp', 'string'] as const;
export type ScalarType = typeof SCALAR_TYPES[number];

const INTEGER = /^[+-]?\d{1,18}$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const BOOLEAN = /^(true|false)$/i;

export function scalarTypeOf(value: string): ScalarType {
  if (INTEGER.test(value)) return 'integer';
  if (NUMBER.test(value)) return 'number';
  if (BOOLEAN.test(value)) return 'boolean';
  // A date must parse too, so 2026-13-45 stays a string.
  if (DATE.test(value)) return Number.isNaN(Date.parse(value)) ? 'string' : 'date';
  if (TIMESTAMP.test(value)) return Number.isNaN(Date.parse(value.replace(' ', 'T'))) ? 'string' : 'timestamp';
  return 'string';
}

/** The narrowest type holding values of both. */
export function widen(a: ScalarType, b: ScalarType): ScalarType {
  if (a === b) return a;
  const pair = new Set([a, b]);
  if (pair.has('integer') && pair.has('number')) return 'number';
  if (pair.has('date') && pair.has('timestamp')) return 'timestamp';
  return 'string';
}

/** Empty cells are nulls (CSV has no other way to write one); a column of only nulls is `unknown`. */
export function inferColumn(values: Iterable<string>): { type: ScalarType | 'unknown'; nullable: boolean } {
  let type: ScalarType | null = null;
  let nullable = false;
  for (const v of values) {
    if (v === '') nullable = true;
    else type = type === null ? scalarTypeOf(v) : widen(type, scalarTypeOf(v));
  }
  return { type: type ?? 'unknown', nullable };
}
