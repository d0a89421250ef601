/**
 * The difference between two versions of a source's catalog, as change events: datasets
 * added, removed or changed, and within changed ones each field added, removed or changed,
 * with the before and after of what changed.
 */
import { datasetId, type DatasetInfo, type FieldInfo } from '../types.js';
import { fingerprint, structure } from './fingerprint.js';

export type ChangeKind = 'dataset_added' | 'dataset_removed' | 'dataset_changed' | 'field_added' | 'field_removed' | 'field_changed';

export interface ChangeEvent {
  kind: ChangeKind;
  dataset: string;
  field: string | null;
  before: unknown;
  after: unknown;
}

export interface CatalogDiff {
  changes: ChangeEvent[];
  /** Ids of datasets that are new or whose fingerprint changed: the ones to profile again. */
  changed: Set<string>;
}

function fieldShape(f: FieldInfo): Omit<FieldInfo, 'name' | 'position'> {
  return { type: f.type, nullable: f.nullable, default: f.default, comment: f.comment };
}

function fieldChanges(id: string, before: DatasetInfo, after: DatasetInfo): ChangeEvent[] {
  const out: ChangeEvent[] = [];
  const old = new Map(before.fields.map((f) => [f.name, f]));
  const now = new Map(after.fields.map((f) => [f.name, f]));
  for (const [name, f] of now) {
    const prev = old.get(name);
    if (!prev) out.push({ kind: 'field_added', dataset: id, field: name, before: null, after: fieldShape(f) });
    else if (JSON.stringify(fieldShape(prev)) !== JSON.stringify(fieldShape(f))) {
      out.push({ kind: 'field_changed', dataset: id, field: name, before: fieldShape(prev), after: fieldShape(f) });
    }
  }
  for (const [name, f] of old) if (!now.has(name)) out.push({ kind: 'field_removed', dataset: id, field: name, before: fieldShape(f), after: null });
  return out;
}

/** The dataset-level parts (keys, indexes, kind…) that differ, each with before and after. */
function datasetChanges(before: DatasetInfo, after: DatasetInfo): { before: Record<string, unknown>; after: Record<string, unknown> } | null {
  const b = structure(before);
  const a = structure(after);
  const was: Record<string, unknown> = {};
  const is: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (key === 'fields') continue;
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) {
      was[key] = b[key] ?? null;
      is[key] = a[key] ?? null;
    }
  }
  return Object.keys(is).length > 0 ? { before: was, after: is } : null;
}

export function diffCatalog(previous: readonly DatasetInfo[], current: readonly DatasetInfo[]): CatalogDiff {
  const changes: ChangeEvent[] = [];
  const changed = new Set<string>();
  const old = new Map(previous.map((d) => [datasetId(d), d]));
  const now = new Map(current.map((d) => [datasetId(d), d]));
  for (const [id, d] of now) {
    const prev = old.get(id);
    if (!prev) {
      changes.push({ kind: 'dataset_added', dataset: id, field: null, before: null, after: { kind: d.kind, fields: d.fields.length } });
      changed.add(id);
      continue;
    }
    if (fingerprint(prev) === fingerprint(d)) continue;
    changed.add(id);
    const top = datasetChanges(prev, d);
    if (top) changes.push({ kind: 'dataset_changed', dataset: id, field: null, ...top });
    changes.push(...fieldChanges(id, prev, d));
  }
  for (const [id, d] of old) if (!now.has(id)) changes.push({ kind: 'dataset_removed', dataset: id, field: null, before: { kind: d.kind, fields: d.fields.length }, after: null });
  return { changes, changed };
}
