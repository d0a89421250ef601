/**
 * Where an object sits in a data lake's layout. The template is the Hive/Spark one every
 * engine writes: `{table}/{partition}={value}/…/{file}.{format}`, so
 * `events/dt=2026-11-01/part-0.parquet` is dataset `events`, partition `dt=2026-11-01`.
 */

export type ObjectFormat = 'csv' | 'jsonl' | 'parquet';

export interface ObjectPlace {
  /** The folders before the first partition folder; a top-level file's own name without its extension. */
  dataset: string;
  partitions: [name: string, value: string][];
  format: ObjectFormat;
}

const FORMATS: Readonly<Record<string, ObjectFormat>> = { csv: 'csv', jsonl: 'jsonl', ndjson: 'jsonl', json: 'jsonl', parquet: 'parquet' };
const PARTITION = /^([A-Za-z_][A-Za-z0-9_-]*)=(.*)$/;

/** Hive escapes partition values (`%3A` for `:`); a value that is not valid escaping is kept as written. */
function unescapeValue(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** Null for objects that hold no rows of a format discovery reads (markers, checksums, other formats). */
export function placeObject(key: string): ObjectPlace | null {
  const parts = key.split('/').filter((p) => p !== '');
  const file = parts.pop();
  // Spark and Hive write _SUCCESS, _metadata and .crc files beside the data.
  if (file === undefined || file.startsWith('_') || file.startsWith('.')) return null;
  const dot = file.lastIndexOf('.');
  const format = dot > 0 ? FORMATS[file.slice(dot + 1).toLowerCase()] : undefined;
  if (format === undefined) return null;
  const table: string[] = [];
  const partitions: [string, string][] = [];
  for (const part of parts) {
    const m = PARTITION.exec(part);
    if (m) partitions.push([m[1]!, unescapeValue(m[2]!)]);
    // A plain folder below a partition (Spark's bucketing) still belongs to that partition.
    else if (partitions.length === 0) table.push(part);
  }
  return { dataset: table.length > 0 ? table.join('/') : file.slice(0, dot), partitions, format };
}

/** `dt=2026-11-01/region=eu`: how a partition is named in the catalog. */
export function partitionName(partitions: readonly (readonly [string, string])[]): string {
  return partitions.map(([k, v]) => `${k}=${v}`).join('/');
}
