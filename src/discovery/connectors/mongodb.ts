/**
 * MongoDB connector: databases, collections and indexes from the server's own commands, and
 * each collection's schema inferred from a `$sample` of its documents (the strategy's
 * sampleRows; 1000 when balanced): nested paths, type frequencies, mixed and optional fields.
 * It connects to one host directly, a secondary when the source names one. Row estimates
 * come from collection metadata (estimatedDocumentCount).
 */
import { MongoClient, type Document } from 'mongodb';
import type { Connector, ConnectorLimits, DiscoveryTarget } from '../connector.js';
import { DiscoveryError } from '../errors.js';
import { datasetId, type DatasetInfo, type DatasetSample, type IndexInfo } from '../types.js';
import { DocSchema, valueText } from './doc-schema.js';
import { bsonTypeOf } from './bson-types.js';

/** Databases the server keeps for itself. */
const INTERNAL_DBS: ReadonlySet<string> = new Set(['admin', 'config', 'local']);

export async function connectMongo(target: DiscoveryTarget, limits: ConnectorLimits): Promise<Connector> {
  const client = new MongoClient(`mongodb://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}/`, {
    directConnection: true, readPreference: 'secondaryPreferred', appName: 'sluice-discovery',
    serverSelectionTimeoutMS: limits.statementTimeoutMs, connectTimeoutMS: limits.statementTimeoutMs,
    // Wrapped numbers keep int, long and double apart, so the inferred types say which one a field holds.
    promoteValues: false,
    ...(target.user !== undefined && { auth: { username: target.user, password: target.password ?? '' }, authSource: target.authSource ?? 'admin' }),
  });
  try {
    await client.connect();
  } catch (err) {
    await client.close().catch(() => {});
    throw new DiscoveryError('SLUICE_DISCOVERY_CONNECT', `discovery could not connect to ${target.host}:${target.port} for source "${target.source}": ${(err as Error).message}`, { cause: err });
  }
  return new MongoConnector(client, target, limits);
}

function indexInfo(spec: Document): IndexInfo {
  const key = (spec.key ?? {}) as Record<string, unknown>;
  const methods = Object.values(key).filter((v): v is string => typeof v === 'string');
  return { name: String(spec.name), columns: Object.keys(key), unique: spec.unique === true || spec.name === '_id_', primary: spec.name === '_id_', method: methods[0] ?? null };
}

class MongoConnector implements Connector {
  readonly kind = 'mongodb' as const;
  private readonly schemas = new Map<string, DocSchema>();

  constructor(private readonly client: MongoClient, private readonly target: DiscoveryTarget, private readonly limits: ConnectorLimits) {}

  private async databases(): Promise<string[]> {
    if (this.target.database !== '') return [this.target.database];
    const { databases } = await this.client.db('admin').admin().listDatabases({ nameOnly: true });
    return databases.map((d) => d.name).filter((n) => !INTERNAL_DBS.has(n)).sort();
  }

  async introspect(): Promise<DatasetInfo[]> {
    const out: DatasetInfo[] = [];
    try {
      for (const dbName of await this.databases()) {
        const db = this.client.db(dbName);
        const collections = await db.listCollections({}, { maxTimeMS: this.limits.statementTimeoutMs }).toArray();
        for (const c of collections.sort((a, b) => a.name.localeCompare(b.name))) {
          if (c.name.startsWith('system.')) continue;
          out.push(await this.describe(dbName, c.name, c.type === 'view'));
          await this.limits.pace();
        }
      }
    } catch (err) {
      if (err instanceof DiscoveryError) throw err;
      throw new DiscoveryError('SLUICE_DISCOVERY_QUERY', `mongodb discovery failed: ${(err as Error).message}`, { cause: err });
    }
    return out;
  }

  private async describe(dbName: string, name: string, view: boolean): Promise<DatasetInfo> {
    const collection = this.client.db(dbName).collection(name);
    const indexes = view ? [] : (await collection.listIndexes({ maxTimeMS: this.limits.statementTimeoutMs }).toArray()).map(indexInfo);
    // From collection metadata, not a scan; a view has none.
    const rowEstimate = view ? null : await collection.estimatedDocumentCount({ maxTimeMS: this.limits.statementTimeoutMs });
    const schema = new DocSchema(bsonTypeOf, valueText, this.limits.maxValueLength);
    // A view's $sample runs the view's whole pipeline first; its schema is left to the collections under it.
    if (!view) {
      const docs = collection.aggregate([{ $sample: { size: this.limits.sampleRows } }], { maxTimeMS: this.limits.statementTimeoutMs, batchSize: Math.min(this.limits.sampleRows, 1000) });
      for await (const doc of docs) schema.add(doc);
    }
    const dataset: DatasetInfo = {
      schema: dbName, name, kind: view ? 'view' : 'collection', comment: null, rowEstimate,
      fields: schema.fields(), primaryKey: view ? [] : ['_id'], uniqueKeys: indexes.filter((i) => i.unique && !i.primary).map((i) => i.columns),
      foreignKeys: [], indexes, partitions: [],
    };
    this.schemas.set(datasetId(dataset), schema);
    return dataset;
  }

  async sample(dataset: DatasetInfo, rows: number): Promise<DatasetSample> {
    return this.schemas.get(datasetId(dataset))?.sample(rows) ?? { fields: [], values: [] };
  }

  /**
   * Checked against the parent's sampled documents: a lookup by value would need the value's
   * BSON type (an ObjectId is not its hex text), which the sample already carries as text.
   */
  async countPresent(dataset: DatasetInfo, column: string, values: readonly string[]): Promise<number> {
    const sample = this.schemas.get(datasetId(dataset))?.sample(Number.MAX_SAFE_INTEGER);
    const seen = new Set(sample?.values[sample.fields.indexOf(column)] ?? []);
    return values.filter((v) => seen.has(v)).length;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
