/**
 * A dataset's structural fingerprint: a hash of what defines its shape (fields, keys, indexes,
 * partitions, kind, comment), never of figures that drift by themselves (row estimates, key
 * counts, TTLs). Equal fingerprints mean nothing to re-profile.
 */
import { createHash } from 'node:crypto';
import type { DatasetInfo } from '../types.js';

/** The parts of a dataset that the diff compares and the fingerprint covers. */
export function structure(d: DatasetInfo): Record<string, unknown> {
  if (d.kind === 'key_pattern') {
    // Hash field names come from a handful of sampled keys and would make the print flap.
    return { kind: d.kind, types: Object.keys(d.keyPattern?.types ?? {}).sort() };
  }
  return {
    kind: d.kind,
    comment: d.comment,
    fields: d.fields.map((f) => [f.name, f.type, f.nullable, f.default, f.comment]),
    primaryKey: d.primaryKey,
    uniqueKeys: [...d.uniqueKeys].map((u) => u.join(',')).sort(),
    foreignKeys: [...d.foreignKeys].map((f) => `${f.columns.join(',')}->${f.refDataset}(${f.refColumns.join(',')})`).sort(),
    indexes: [...d.indexes].map((i) => `${i.name}:${i.unique ? 'u' : ''}${i.method ?? ''}(${i.columns.join(',')})`).sort(),
    partitions: [...d.partitions].sort(),
  };
}

export function fingerprint(d: DatasetInfo): string {
  return createHash('sha256').update(JSON.stringify(structure(d))).digest('hex').slice(0, 32);
}
