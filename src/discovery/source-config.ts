/**
 * Sources only discovery reads (`kind: s3`, `kind: mongodb`, `kind: snowflake`): their YAML
 * schema, resolved shape and resolution. Sluice proxies none of them yet, so no listener, pool or router ever sees them;
 * src/config includes them with one line in each of schema.ts, types.ts and resolve.ts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { formatPath } from '../config/issue-text.js';

const closed = { additionalProperties: false } as const;

export const S3_SOURCE_DEFAULTS = { region: 'us-east-1', prefix: '', force_path_style: false } as const;
export const MONGODB_HOST_DEFAULTS = { port: 27017, role: 'primary' } as const;
const SNOWFLAKE_IDENTIFIER = { minLength: 1, pattern: '^[^"]+$', expected: 'a Snowflake object name without double quotes' } as const;

export const S3SourceSchema = Type.Object({
  kind: Type.Literal('s3'),
  bucket: Type.String({ minLength: 1 }),
  prefix: Type.Optional(Type.String({ default: S3_SOURCE_DEFAULTS.prefix })),
  region: Type.Optional(Type.String({ minLength: 1, default: S3_SOURCE_DEFAULTS.region })),
  endpoint: Type.Optional(Type.String({ pattern: '^https?://', expected: 'an http:// or https:// URL' })),
  force_path_style: Type.Optional(Type.Boolean({ default: S3_SOURCE_DEFAULTS.force_path_style })),
  access_key_id: Type.Optional(Type.String({ minLength: 1 })),
  secret_access_key: Type.Optional(Type.String({ minLength: 1 })),
}, closed);

export const MongoSourceSchema = Type.Object({
  kind: Type.Literal('mongodb'),
  hosts: Type.Array(Type.Object({
    host: Type.String({ minLength: 1 }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, default: MONGODB_HOST_DEFAULTS.port })),
    role: Type.Optional(Type.Union([Type.Literal('primary'), Type.Literal('replica')], { expected: 'primary or replica', default: MONGODB_HOST_DEFAULTS.role })),
  }, closed), { minItems: 1, expected: 'a non-empty list of hosts ({ host, port, role })' }),
  database: Type.Optional(Type.String()),
  users: Type.Optional(Type.Array(Type.Object({
    name: Type.String({ minLength: 1 }),
    password: Type.String(),
    auth_source: Type.Optional(Type.String({ minLength: 1 })),
  }, closed))),
}, closed);

export const SnowflakeSourceSchema = Type.Object({
  kind: Type.Literal('snowflake'),
  /** The account identifier (`myorg-myaccount` or the locator `xy12345.eu-west-1`). */
  account: Type.String({ minLength: 1 }),
  user: Type.String({ minLength: 1 }),
  password: Type.Optional(Type.String({ minLength: 1 })),
  /** PEM text of the user's key-pair key, usually a `${file:...}` or `${secret:...}` reference. */
  private_key: Type.Optional(Type.String({ pattern: '-----BEGIN', expected: 'PEM text (-----BEGIN ... PRIVATE KEY-----)' })),
  private_key_passphrase: Type.Optional(Type.String({ minLength: 1 })),
  warehouse: Type.Optional(Type.String(SNOWFLAKE_IDENTIFIER)),
  role: Type.Optional(Type.String(SNOWFLAKE_IDENTIFIER)),
  databases: Type.Optional(Type.Array(Type.String(SNOWFLAKE_IDENTIFIER))),
  /** Where the account answers, when not `https://<account>.snowflakecomputing.com` (PrivateLink). */
  access_url: Type.Optional(Type.String({ pattern: '^https?://', expected: 'an http:// or https:// URL' })),
}, closed);

export type RawS3Source = Static<typeof S3SourceSchema>;
export type RawMongoSource = Static<typeof MongoSourceSchema>;
export type RawSnowflakeSource = Static<typeof SnowflakeSourceSchema>;

export interface S3SourceConfig {
  kind: 's3';
  name: string;
  bucket: string;
  /** Only keys under this prefix are listed; '' for the whole bucket. */
  prefix: string;
  region: string;
  /** An S3-compatible endpoint (MinIO, Ceph…); absent: AWS's own for the region. */
  endpoint?: string;
  force_path_style: boolean;
  /** Absent: the SDK's default credential chain (environment, profile, instance role). */
  access_key_id?: string;
  secret_access_key?: string;
  /**
   * Always empty: a bucket has no hosts or database users (the endpoint and keys are above).
   * They are here so code that walks every source's hosts and users needs no case for S3.
   */
  hosts: never[];
  users: never[];
}

export interface MongoUserConfig { name: string; password: string; auth_source?: string }

export interface MongoSourceConfig {
  kind: 'mongodb';
  name: string;
  hosts: { host: string; port: number; role: 'primary' | 'replica' }[];
  /** '' reads every database the user may list. */
  database: string;
  /** Empty: a server without access control. Discovery uses the first. */
  users: MongoUserConfig[];
}

export interface SnowflakeSourceConfig {
  kind: 'snowflake';
  name: string;
  account: string;
  user: string;
  /** Exactly one of password and private_key is set. */
  password?: string;
  private_key?: string;
  private_key_passphrase?: string;
  /** Absent: the user's default warehouse and role. */
  warehouse?: string;
  role?: string;
  /** Databases to discover; empty: every database the role can see. */
  databases: string[];
  access_url: string;
  /** Always empty, as for S3: the account URL and user are above. */
  hosts: never[];
  users: never[];
}

export type DiscoveryOnlySourceConfig = S3SourceConfig | MongoSourceConfig | SnowflakeSourceConfig;

export function resolveS3Source(name: string, s: RawS3Source): S3SourceConfig {
  return {
    kind: 's3', name, hosts: [], users: [], bucket: s.bucket, prefix: s.prefix ?? S3_SOURCE_DEFAULTS.prefix, region: s.region ?? S3_SOURCE_DEFAULTS.region,
    ...(s.endpoint !== undefined && { endpoint: s.endpoint }),
    force_path_style: s.force_path_style ?? S3_SOURCE_DEFAULTS.force_path_style,
    ...(s.access_key_id !== undefined && { access_key_id: s.access_key_id }),
    ...(s.secret_access_key !== undefined && { secret_access_key: s.secret_access_key }),
  };
}

export function resolveMongoSource(name: string, s: RawMongoSource): MongoSourceConfig {
  return {
    kind: 'mongodb', name, database: s.database ?? '',
    hosts: s.hosts.map((h) => ({ host: h.host, port: h.port ?? MONGODB_HOST_DEFAULTS.port, role: h.role ?? MONGODB_HOST_DEFAULTS.role })),
    users: (s.users ?? []).map((u) => ({ ...u })),
  };
}

/** Problems go onto `issues`: a user needs exactly one way to log in. */
export function resolveSnowflakeSource(name: string, s: RawSnowflakeSource, issues: string[]): SnowflakeSourceConfig {
  if ((s.password === undefined) === (s.private_key === undefined)) {
    issues.push(`${formatPath(['sources', name])}: set exactly one of password and private_key for the Snowflake user ${JSON.stringify(s.user)}`);
  }
  return {
    kind: 'snowflake', name, hosts: [], users: [], account: s.account, user: s.user,
    ...(s.password !== undefined && { password: s.password }),
    ...(s.private_key !== undefined && { private_key: s.private_key }),
    ...(s.private_key_passphrase !== undefined && { private_key_passphrase: s.private_key_passphrase }),
    ...(s.warehouse !== undefined && { warehouse: s.warehouse }),
    ...(s.role !== undefined && { role: s.role }),
    databases: s.databases ?? [],
    access_url: (s.access_url ?? `https://${s.account}.snowflakecomputing.com`).replace(/\/+$/, ''),
  };
}

/** Masks what redactConfig must never show of these kinds. */
export function redactDiscoveryOnlySource(source: DiscoveryOnlySourceConfig, mask: string): void {
  if (source.kind === 's3') {
    if (source.secret_access_key !== undefined) source.secret_access_key = mask;
    return;
  }
  if (source.kind === 'snowflake') {
    for (const key of ['password', 'private_key', 'private_key_passphrase'] as const) if (source[key] !== undefined) source[key] = mask;
    return;
  }
  for (const user of source.users) user.password = mask;
}
