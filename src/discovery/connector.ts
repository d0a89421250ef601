/**
 * What discovery needs from one kind of source. Each kind has its own module under
 * connectors/; the runner, catalog and API only ever see this interface.
 */
import type { DatasetInfo, DatasetSample } from './types.js';

/** Where and as whom discovery connects: a host of the source with Sluice's own server credentials. */
export interface DiscoveryTarget {
  kind: 'postgres' | 'mysql' | 'redis' | 's3' | 'mongodb' | 'snowflake';
  source: string;
  host: string;
  port: number;
  user?: string;
  password?: string;
  /** Database to introspect; for Redis the logical db number as text ('' = every db with keys). */
  database: string;
  /** S3 only: the bucket and how to reach it (host and port above name the endpoint, for health). */
  s3?: S3Location;
  /** MongoDB only: the authentication database of `user`. */
  authSource?: string;
  /** Snowflake only: the account and session settings (host and port above name its URL, for health). */
  snowflake?: SnowflakeLogin;
}

export interface SnowflakeLogin {
  account: string;
  accessUrl: string;
  /** PEM key of key-pair authentication; absent: `password` above. */
  privateKey?: string;
  privateKeyPassphrase?: string;
  warehouse?: string;
  role?: string;
  /** Empty: every database the role can see. */
  databases: string[];
}

export interface S3Location {
  bucket: string;
  prefix: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
}

/** Per-run bounds a connector applies to every statement it sends. */
export interface ConnectorLimits {
  statementTimeoutMs: number;
  /** Statements the run may have in flight at once (the strategy's concurrency); 1 when absent. */
  lanes?: number;
  /** Sampled values longer than this are cut, so one huge blob cannot blow the sample up. */
  maxValueLength: number;
  /** Key-value sources: keys asked per SCAN call and most keys sampled in all. */
  scanCount: number;
  sampleKeys: number;
  /** Object stores: most objects read, and bytes read from each, per dataset. */
  sampleObjects: number;
  sampleBytes: number;
  /** Document stores: documents drawn ($sample) per collection to infer its schema from. */
  sampleRows: number;
  /** Awaited between batches of a long scan, so the run's throttle can slow or hold it. */
  pace(): Promise<void>;
}

export interface Connector {
  readonly kind: DiscoveryTarget['kind'];
  /** Every dataset the credentials can see, with fields, keys and indexes. */
  introspect(): Promise<DatasetInfo[]>;
  /** Up to `rows` rows of the dataset's fields, values as text (null stays null). */
  sample(dataset: DatasetInfo, rows: number): Promise<DatasetSample>;
  /** How many of `values` occur in `column` of `dataset`: the containment check for inferred keys. */
  countPresent(dataset: DatasetInfo, column: string, values: readonly string[]): Promise<number>;
  close(): Promise<void>;
}
