/**
 * A schema inferred from sampled documents (JSON lines, MongoDB): every nested path seen
 * (`address.city`, `tags[]`), how many documents had each type there, and which paths some
 * documents lack. The same walk serves both, with the source's own type names.
 */
import type { DatasetSample, FieldInfo } from '../types.js';

/** The source's name for a value's type; 'object' and 'array' are walked into, 'null' counts as a null. */
export type TypeNamer = (value: unknown) => string;

/** Paths deeper than this, or past this many, are not followed: one odd document cannot blow the schema up. */
const MAX_DEPTH = 8;
const MAX_PATHS = 500;

export class DocSchema {
  private docs = 0;
  /** Documents per type per path, in the order paths were first seen. */
  private readonly counts = new Map<string, Map<string, number>>();
  /** Documents that had each path at all. */
  private readonly present = new Map<string, number>();
  /** Per sampled document, the first scalar value at each path, as text. */
  private readonly rows: Map<string, string>[] = [];

  constructor(private readonly typeOf: TypeNamer, private readonly text: (value: unknown) => string, private readonly maxValueLength: number) {}

  get size(): number {
    return this.docs;
  }

  add(doc: Record<string, unknown>): void {
    this.docs++;
    const seen = new Map<string, Set<string>>();
    const values = new Map<string, string>();
    this.walk(doc, '', 0, seen, values);
    for (const [path, types] of seen) {
      let counts = this.counts.get(path);
      if (!counts) {
        if (this.counts.size >= MAX_PATHS) continue;
        this.counts.set(path, (counts = new Map()));
      }
      for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
      this.present.set(path, (this.present.get(path) ?? 0) + 1);
    }
    this.rows.push(values);
  }

  private walk(value: unknown, path: string, depth: number, seen: Map<string, Set<string>>, values: Map<string, string>): void {
    const note = (p: string, type: string) => seen.set(p, (seen.get(p) ?? new Set()).add(type));
    const type = this.typeOf(value);
    if (path !== '') note(path, type);
    if (depth >= MAX_DEPTH) return;
    if (type === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) this.walk(v, path === '' ? k : `${path}.${k}`, depth + 1, seen, values);
    } else if (type === 'array') {
      for (const item of value as unknown[]) this.walk(item, `${path}[]`, depth + 1, seen, values);
    } else if (type !== 'null' && path !== '' && !values.has(path)) {
      values.set(path, this.text(value).slice(0, this.maxValueLength));
    }
  }

  /** One field per path; its type the only one seen, or `mixed(a|b)` most frequent first. */
  fields(): FieldInfo[] {
    return [...this.counts].map(([name, counts], i) => {
      const missing = this.docs - (this.present.get(name) ?? 0);
      const types = [...counts].filter(([t]) => t !== 'null').sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t]) => t);
      const typeFrequencies = Object.fromEntries([...counts].sort((a, b) => a[0].localeCompare(b[0])));
      if (missing > 0) typeFrequencies.missing = missing;
      return {
        name,
        type: types.length === 0 ? 'null' : types.length === 1 ? types[0]! : `mixed(${types.join('|')})`,
        nullable: missing > 0 || counts.has('null'),
        default: null, comment: null, position: i + 1, typeFrequencies,
      };
    });
  }

  /** The scalar values of the i-th document added, by path: a copy, so callers may add to it. */
  row(i: number): Map<string, string | null> {
    return new Map(this.rows[i]);
  }

  /** Scalar paths only: containers have no value to profile or classify. */
  sample(rows: number): DatasetSample {
    const take = this.rows.slice(0, rows);
    const fields = [...this.counts.keys()].filter((path) => take.some((r) => r.has(path)));
    return { fields, values: fields.map((f) => take.map((r) => r.get(f) ?? null)) };
  }
}

/** JSON's own types, integers told apart from other numbers as every engine reading them does. */
export const jsonTypeOf: TypeNamer = (v) => {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v;
};

export function valueText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) return String(v);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
