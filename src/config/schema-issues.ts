/**
 * Turns typebox validation errors into issue lines that name the key path, the problem and
 * the expected form: `sources.bench.pool.mode: must be one of session, transaction, statement
 * (got "tx")`. The phrase comes from the schema itself, so it cannot drift from what is checked.
 */
import { KindGuard, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { formatPath, showValue, type KeyPath } from './issue-text.js';

/** One line per offending key, in document order; empty when `value` fits `schema`. */
export function schemaIssues(schema: TSchema, value: unknown): string[] {
  const issues = new Map<string, string>();
  collect(schema, value, [], issues);
  return [...issues.values()];
}

function collect(schema: TSchema, value: unknown, prefix: KeyPath, issues: Map<string, string>): void {
  for (const error of Value.Errors(schema, value)) {
    const path = [...prefix, ...keyPath(error.path, value)];
    const key = formatPath(path);
    if (issues.has(key)) continue; // typebox may report several failed rules for one value; the first says enough.
    if (error.type === ValueErrorType.Union && typeof error.schema['discriminator'] === 'string') {
      discriminated(error.schema, error.schema['discriminator'], error.value, path, issues);
    } else {
      issues.set(key, `${key}: ${problem(error, path)}`);
    }
  }
}

/**
 * A union told apart by one key (a source's `kind`): report against the member that key
 * names, so an operator reads "pool.size must be..." rather than "must be X or Y".
 */
function discriminated(schema: TSchema, discriminator: string, value: unknown, path: KeyPath, issues: Map<string, string>): void {
  const members = KindGuard.IsUnion(schema) ? schema.anyOf : [];
  const tagOf = (member: TSchema): unknown => (member['properties'] as Record<string, TSchema> | undefined)?.[discriminator]?.['const'];
  const tags = members.map((member) => String(tagOf(member))).join(', ');
  const tag = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[discriminator] : undefined;
  const member = tag === undefined ? undefined : members.find((m) => tagOf(m) === tag);
  const at = formatPath([...path, discriminator]);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) issues.set(formatPath(path), `${formatPath(path)}: must be ${describe(schema)} (got ${showValue(value, path)})`);
  else if (tag === undefined) issues.set(at, `${at}: required key is missing; expected one of ${tags}`);
  else if (member === undefined) issues.set(at, `${at}: must be one of ${tags} (got ${showValue(tag, [...path, discriminator])})`);
  else collect(member, value, path, issues);
}

function problem(error: ValueError, path: KeyPath): string {
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties:
      return `unknown key; expected one of ${Object.keys(error.schema['properties'] ?? {}).join(', ')}`;
    case ValueErrorType.ObjectRequiredProperty:
      return `required key is missing; expected ${describe(error.schema)}`;
    default:
      return `must be ${describe(error.schema)} (got ${showValue(error.value, path)})`;
  }
}

/** The expected form of a value, in the operator's words. */
export function describe(schema: TSchema): string {
  const expected: unknown = schema['expected'];
  if (typeof expected === 'string') return expected;
  if (KindGuard.IsUnion(schema)) {
    const literals = schema.anyOf.filter(KindGuard.IsLiteral).map((literal) => String(literal.const));
    if (literals.length === schema.anyOf.length) return `one of ${literals.join(', ')}`;
    return schema.anyOf.map(describe).join(' or ');
  }
  if (KindGuard.IsLiteral(schema)) return String(schema.const);
  if (KindGuard.IsInteger(schema)) return `an integer${range(schema)}`;
  if (KindGuard.IsNumber(schema)) return `a number${range(schema)}`;
  if (KindGuard.IsString(schema)) return schema.minLength ? 'a non-empty string' : 'a string';
  if (KindGuard.IsObject(schema)) return `a mapping with keys ${Object.keys(schema.properties).join(', ')}`;
  return 'a valid value';
}

function range(schema: { minimum?: number; maximum?: number }): string {
  const { minimum, maximum } = schema;
  if (minimum !== undefined && maximum !== undefined) return ` between ${minimum} and ${maximum}`;
  if (minimum !== undefined) return ` ≥ ${minimum}`;
  if (maximum !== undefined) return ` ≤ ${maximum}`;
  return '';
}

/** JSON pointer → key path; a segment is a list index only where the value there is a list. */
function keyPath(pointer: string, root: unknown): KeyPath {
  const path: (string | number)[] = [];
  let node = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    const index = Array.isArray(node) ? Number(segment) : undefined;
    path.push(index ?? segment);
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[index ?? segment] : undefined;
  }
  return path;
}
