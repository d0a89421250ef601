/**
 * Rows and fields of one sampled object, per format: CSV (header and inferred types), JSON
 * lines (nested paths with type frequencies) and Parquet (the footer's schema, then the first
 * rows when the first row group fits the byte budget). Text formats read only their first
 * bytes; Parquet reads its footer and, at most, one row group's column chunks.
 */
import { parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer, type SchemaTree } from 'hyparquet';
import { DiscoveryError } from '../errors.js';
import type { FieldInfo } from '../types.js';
import { parseCsv } from './csv.js';
import { DocSchema, valueText } from './doc-schema.js';

/** What a format reader adds to a dataset's sample: rows keyed by field name. */
export interface ObjectRows {
  fields: FieldInfo[];
  rows: Map<string, string | null>[];
  /** Rows the whole object holds, where its metadata says (Parquet). */
  totalRows: number | null;
}

const decoder = new TextDecoder('utf-8');

export function csvRows(bytes: Uint8Array, complete: boolean, maxValueLength: number): ObjectRows {
  const [header, ...records] = parseCsv(decoder.decode(bytes), complete);
  if (!header) return { fields: [], rows: [], totalRows: null };
  const fields = header.map((name, i): FieldInfo => ({ name, type: 'string', nullable: true, default: null, comment: null, position: i + 1 }));
  const rows = records.map((r) => new Map(header.map((name, i) => [name, (r[i] ?? '').slice(0, maxValueLength)])));
  return { fields, rows, totalRows: null };
}

/** Lines that are not JSON objects are skipped: one bad line should not hide the rest of the schema. */
export function jsonLines(bytes: Uint8Array, complete: boolean, into: DocSchema): void {
  const lines = decoder.decode(bytes).split('\n');
  if (!complete) lines.pop();
  for (const line of lines) {
    if (line.trim() === '') continue;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) into.add(doc as Record<string, unknown>);
  }
}

function parquetType(tree: SchemaTree): string {
  const e = tree.element;
  return e.logical_type?.type ?? e.converted_type ?? e.type ?? 'group';
}

function leaves(tree: SchemaTree, prefix: string[]): { path: string[]; tree: SchemaTree }[] {
  return tree.children.flatMap((child) => {
    const path = [...prefix, child.element.name];
    return child.children.length === 0 ? [{ path, tree: child }] : leaves(child, path);
  });
}

function at(row: Record<string, unknown>, path: readonly string[]): unknown {
  let v: unknown = row;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** Every row of the first row group when its column chunks fit in `maxBytes`, none otherwise. */
export async function parquetRows(file: AsyncBuffer, maxBytes: number, maxValueLength: number): Promise<ObjectRows> {
  try {
    const metadata = await parquetMetadataAsync(file, { initialFetchSize: Math.min(64 * 1024, Math.max(maxBytes, 8)) });
    const columns = leaves(parquetSchema(metadata), []);
    const fields = columns.map(({ path, tree }, i): FieldInfo => ({
      name: path.join('.'), type: parquetType(tree), nullable: tree.element.repetition_type !== 'REQUIRED', default: null, comment: null, position: i + 1,
    }));
    const first = metadata.row_groups[0];
    const groupBytes = first ? Number(first.total_compressed_size ?? first.total_byte_size) : 0;
    const readable = first !== undefined && groupBytes <= maxBytes;
    const objects = readable ? await parquetReadObjects({ file, metadata, rowStart: 0, rowEnd: Number(first.num_rows) }) : [];
    return {
      fields, totalRows: Number(metadata.num_rows),
      rows: objects.map((o) => new Map(columns.map(({ path }): [string, string | null] => {
        const v = at(o, path);
        return [path.join('.'), v === null || v === undefined ? null : valueText(v).slice(0, maxValueLength)];
      }))),
    };
  } catch (err) {
    if (err instanceof DiscoveryError) throw err;
    throw new DiscoveryError('SLUICE_DISCOVERY_SAMPLE', `not a readable Parquet file: ${(err as Error).message}`, { cause: err });
  }
}
