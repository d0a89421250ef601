/**
 * The catalog's vocabulary: what a connector reports about a source (datasets, fields, keys)
 * and what analysis adds (profiles, classifications, relationships). One shape for every kind
 * of source, so the catalog, diff and API never branch on the protocol.
 */

export type DatasetKind = 'table' | 'view' | 'materialized_view' | 'partitioned_table' | 'foreign_table' | 'key_pattern'
  /** Objects under one S3 prefix read as one table; a MongoDB collection. */
  | 'object_dataset' | 'collection';

export interface FieldInfo {
  name: string;
  /** The source's own type name (`character varying(64)`, `int unsigned`, `hash`). */
  type: string;
  nullable: boolean;
  default: string | null;
  comment: string | null;
  position: number;
  /**
   * Schema-less sources (JSON lines, MongoDB): how many sampled records had each type at this
   * path, `missing` for those without it. Drifts run to run, so the fingerprint leaves it out.
   */
  typeFrequencies?: Record<string, number>;
}

export interface ForeignKeyInfo {
  name: string;
  columns: string[];
  /** `schema.table` of the referenced dataset. */
  refDataset: string;
  refColumns: string[];
}

export interface IndexInfo {
  name: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
  /** Access method (btree, hash, gin…) where the source says. */
  method: string | null;
}

/** Per key pattern of a key-value source: what the sampled keys looked like. */
export interface KeyPatternStats {
  sampledKeys: number;
  /** Scaled from the sample's share of the keyspace. */
  estimatedKeys: number;
  types: Record<string, number>;
  /** Keys without expiry among the sampled. */
  persistent: number;
  ttlSeconds: Distribution | null;
  memoryBytes: Distribution | null;
  examples: string[];
}

export interface Distribution { min: number; p50: number; p90: number; max: number; mean: number }

export interface DatasetInfo {
  /** Namespace inside the source: a schema, a MySQL database, a Redis db (`db0`). */
  schema: string;
  name: string;
  kind: DatasetKind;
  comment: string | null;
  /** From planner statistics or the keyspace sample; null where unknown. */
  rowEstimate: number | null;
  fields: FieldInfo[];
  primaryKey: string[];
  uniqueKeys: string[][];
  foreignKeys: ForeignKeyInfo[];
  indexes: IndexInfo[];
  /** Child partition names (`schema.table`) of a partitioned table. */
  partitions: string[];
  keyPattern?: KeyPatternStats;
}

/** `schema.name`: how datasets are addressed across the catalog and API. */
export function datasetId(d: Pick<DatasetInfo, 'schema' | 'name'>): string {
  return `${d.schema}.${d.name}`;
}

/** Sampled values of one dataset, column-major: values[i] belongs to fields[i]. */
export interface DatasetSample {
  fields: string[];
  values: unknown[][];
}

export interface FieldProfile {
  sampled: number;
  nullRatio: number;
  distinctEstimate: number;
  min: string | number | null;
  max: string | number | null;
  mean: number | null;
  topValues: { value: string; count: number }[];
  length: { min: number; max: number; mean: number } | null;
}

export interface Classification {
  type: string;
  confidence: number;
  /** Why: `name`, `values`, or both. */
  evidence: string[];
  /** Personal or secret data (every built-in type); glossary terms are not. */
  sensitive: boolean;
}

export interface Relationship {
  from: { dataset: string; columns: string[] };
  to: { dataset: string; columns: string[] };
  declared: boolean;
  confidence: number;
  evidence: string[];
}
