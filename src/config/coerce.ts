/**
 * `port: ${env:PGPORT}` substitutes text, but the field wants a number. Convert such values
 * to the type the schema asks for, and only those: a number or boolean typed in the file is
 * left alone, so `password: 0123` is reported rather than silently read as "123".
 */
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import type { KeyPath } from './issue-text.js';

export function coerceSubstituted(schema: TSchema, tree: unknown, paths: readonly KeyPath[]): void {
  if (paths.length === 0) return;
  const converted: unknown = Value.Convert(schema, structuredClone(tree));
  for (const path of paths) {
    const value = valueAt(converted, path);
    if (typeof value === 'number' || typeof value === 'boolean') setAt(tree, path, value);
  }
}

function valueAt(tree: unknown, path: KeyPath): unknown {
  let node = tree;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function setAt(tree: unknown, path: KeyPath, value: unknown): void {
  const parent = valueAt(tree, path.slice(0, -1));
  const key = path[path.length - 1];
  if (parent !== null && typeof parent === 'object' && key !== undefined) (parent as Record<string | number, unknown>)[key] = value;
}
