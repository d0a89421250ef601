/**
 * S3 connector: a bucket (under an optional prefix) read as a data lake. Keys are grouped into
 * datasets by the Hive layout (object-layout.ts), a bounded number of each dataset's newest
 * objects is read with ranged GETs, and the schema is inferred from those bytes. Rows read for
 * the schema are kept for sample(), so profiling and classification work as for a table.
 */
import type { AsyncBuffer } from 'hyparquet';
import type { Connector, ConnectorLimits, DiscoveryTarget } from '../connector.js';
import { DiscoveryError } from '../errors.js';
import { datasetId, type DatasetInfo, type DatasetSample, type FieldInfo } from '../types.js';
import { DocSchema, jsonTypeOf, valueText } from './doc-schema.js';
import { csvRows, jsonLines, parquetRows, type ObjectRows } from './object-formats.js';
import { partitionName, placeObject, type ObjectFormat, type ObjectPlace } from './object-layout.js';
import { S3Bucket, type ListedObject } from './s3-bucket.js';
import { inferColumn } from './scalar-types.js';

interface Found { object: ListedObject; place: ObjectPlace }

interface SampledRows { fields: FieldInfo[]; rows: Map<string, string | null>[] }

export async function connectS3(target: DiscoveryTarget, limits: ConnectorLimits): Promise<Connector> {
  if (!target.s3) throw new DiscoveryError('SLUICE_DISCOVERY_UNSUPPORTED', `source "${target.source}" has no bucket to discover`);
  const bucket = new S3Bucket(target.s3, target, limits);
  // Listing one key proves the endpoint, credentials and bucket before the run goes further.
  await bucket.list(target.s3.prefix, 1, true).catch((err: unknown) => {
    bucket.close();
    const message = err instanceof Error ? err.message : String(err);
    throw new DiscoveryError('SLUICE_DISCOVERY_CONNECT', `discovery could not reach bucket "${target.s3?.bucket}" for source "${target.source}": ${message}`, { cause: err });
  });
  return new S3Connector(bucket, limits);
}

class S3Connector implements Connector {
  readonly kind = 's3' as const;
  private readonly sampled = new Map<string, SampledRows>();

  constructor(private readonly bucket: S3Bucket, private readonly limits: ConnectorLimits) {}

  async introspect(): Promise<DatasetInfo[]> {
    const root = this.bucket.location.prefix;
    const groups = new Map<string, Found[]>();
    for (const object of await this.listAll(root)) {
      const place = placeObject(object.key.slice(root.length));
      if (place) groups.set(place.dataset, [...groups.get(place.dataset) ?? [], { object, place }]);
    }
    const out: DatasetInfo[] = [];
    for (const [name, found] of [...groups].sort(([a], [b]) => a.localeCompare(b))) out.push(await this.describe(name, found));
    return out;
  }

  /**
   * Lists the first level with the delimiter, then each folder on its own share of the key
   * budget, so one huge dataset cannot use up the listing and hide the others.
   */
  private async listAll(root: string): Promise<ListedObject[]> {
    const top = await this.bucket.list(root, this.limits.sampleKeys, true);
    const share = Math.max(this.limits.sampleObjects, Math.floor(this.limits.sampleKeys / Math.max(1, top.folders.length)));
    const out = [...top.objects];
    for (const folder of top.folders) out.push(...(await this.bucket.list(folder, share, false)).objects.slice(0, share));
    return out;
  }

  private async describe(name: string, found: readonly Found[]): Promise<DatasetInfo> {
    const formats = new Map<ObjectFormat, number>();
    for (const f of found) formats.set(f.place.format, (formats.get(f.place.format) ?? 0) + 1);
    const format = [...formats].sort((a, b) => b[1] - a[1])[0]![0];
    const objects = found.filter((f) => f.place.format === format);
    // Newest partitions sort last in every date layout, and they carry the current schema.
    const picked = [...objects].sort((a, b) => b.object.key.localeCompare(a.object.key)).slice(0, Math.max(1, this.limits.sampleObjects));
    const read = await this.readObjects(format, picked);
    const partitionKeys = [...new Set(found.flatMap((f) => f.place.partitions.map(([k]) => k)))];
    const fields = [...read.fields];
    for (const key of partitionKeys) {
      const { type } = inferColumn(found.flatMap((f) => f.place.partitions.filter(([k]) => k === key).map(([, v]) => v)));
      fields.push({ name: key, type: `partition ${type}`, nullable: false, default: null, comment: 'partition key, from the object path', position: fields.length + 1 });
    }
    const dataset: DatasetInfo = {
      schema: this.bucket.location.bucket, name, kind: 'object_dataset', comment: `${format}, ${objects.length} object${objects.length === 1 ? '' : 's'}`,
      rowEstimate: read.estimate(objects.reduce((n, f) => n + f.object.size, 0), objects.length),
      fields, primaryKey: [], uniqueKeys: [], foreignKeys: [], indexes: [],
      partitions: [...new Set(found.filter((f) => f.place.partitions.length > 0).map((f) => `${name}/${partitionName(f.place.partitions)}`))].sort(),
    };
    this.sampled.set(datasetId(dataset), { fields, rows: read.rows });
    return dataset;
  }

  private async readObjects(format: ObjectFormat, picked: readonly Found[]): Promise<SampledRows & { estimate(totalBytes: number, objects: number): number | null }> {
    const rows: Map<string, string | null>[] = [];
    const fields = new Map<string, FieldInfo>();
    const docs = new DocSchema(jsonTypeOf, valueText, this.limits.maxValueLength);
    let bytesRead = 0;
    let rowsInRead = 0;
    let parquetRowsTotal = 0;
    /** JSON-lines documents of each object, by index range, to add its partition values to after the walk. */
    const docRanges: [Found, number, number][] = [];
    const withPartitions = (f: Found, r: Map<string, string | null>) => {
      for (const [k, v] of f.place.partitions) r.set(k, v);
      return r;
    };
    for (const f of picked) {
      const { key, size } = f.object;
      const complete = size <= this.limits.sampleBytes;
      let got: ObjectRows;
      if (format === 'parquet') {
        got = await parquetRows(this.asyncBuffer(key, size), this.limits.sampleBytes, this.limits.maxValueLength);
        parquetRowsTotal += got.totalRows ?? 0;
      } else {
        const bytes = await this.bucket.read(key, 0, Math.min(size, this.limits.sampleBytes));
        bytesRead += bytes.length;
        if (format === 'jsonl') {
          const before = docs.size;
          jsonLines(bytes, complete, docs);
          rowsInRead += docs.size - before;
          docRanges.push([f, before, docs.size]);
          continue;
        }
        got = csvRows(bytes, complete, this.limits.maxValueLength);
        rowsInRead += got.rows.length;
      }
      for (const field of got.fields) if (!fields.has(field.name)) fields.set(field.name, { ...field, position: fields.size + 1 });
      rows.push(...got.rows.map((r) => withPartitions(f, r)));
    }
    let out: FieldInfo[];
    if (format === 'jsonl') {
      out = docs.fields();
      for (const [f, from, to] of docRanges) {
        for (let i = from; i < to; i++) rows.push(withPartitions(f, docs.row(i)));
      }
    } else if (format === 'csv') {
      // CSV says nothing of types or nulls: both come from the values, an empty cell being a null.
      out = [...fields.values()].map((field) => ({ ...field, ...inferColumn(rows.map((r) => r.get(field.name) ?? '')) }));
    } else out = [...fields.values()];
    return {
      fields: out, rows,
      estimate: (totalBytes, objects) => {
        if (format === 'parquet') return picked.length === 0 ? null : Math.round((parquetRowsTotal / picked.length) * objects);
        return bytesRead === 0 ? null : Math.round((rowsInRead / bytesRead) * totalBytes);
      },
    };
  }

  private asyncBuffer(key: string, size: number): AsyncBuffer {
    return {
      byteLength: size,
      slice: async (start, end) => {
        const bytes = await this.bucket.read(key, start, end ?? size);
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      },
    };
  }

  async sample(dataset: DatasetInfo, rows: number): Promise<DatasetSample> {
    const got = this.sampled.get(datasetId(dataset));
    if (!got) throw new DiscoveryError('SLUICE_DISCOVERY_SAMPLE', `dataset ${datasetId(dataset)} was not read in this run`);
    const take = got.rows.slice(0, rows);
    const fields = got.fields.map((f) => f.name).filter((name) => take.some((r) => r.has(name)));
    return { fields, values: fields.map((name) => take.map((r) => r.get(name) ?? null)) };
  }

  /** Containment is checked against the parent's rows read this run: objects have no index to ask. */
  async countPresent(dataset: DatasetInfo, column: string, values: readonly string[]): Promise<number> {
    const seen = new Set((this.sampled.get(datasetId(dataset))?.rows ?? []).map((r) => r.get(column)));
    return values.filter((v) => seen.has(v)).length;
  }

  async close(): Promise<void> {
    this.bucket.close();
  }
}
