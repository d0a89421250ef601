/**
 * Where discovery connects for a configured source: one of its own hosts (a replica when it
 * has one, so reads for discovery stay off the primary) with the server credentials Sluice
 * already uses towards it. Never a client-facing listener.
 */
import type { SourceConfig } from '../config/types.js';
import type { DiscoveryTarget } from './connector.js';
import type { S3SourceConfig, SnowflakeSourceConfig } from './source-config.js';

type HostLike = { host: string; port: number; role: string };

function preferReplica<H extends HostLike>(hosts: readonly H[]): H | undefined {
  return hosts.find((h) => h.role === 'replica') ?? hosts[0];
}

function s3Target(source: S3SourceConfig): DiscoveryTarget {
  const url = new URL(source.endpoint ?? `https://s3.${source.region}.amazonaws.com`);
  return {
    kind: 's3', source: source.name, host: url.hostname, port: Number(url.port) || (url.protocol === 'http:' ? 80 : 443),
    ...(source.access_key_id !== undefined && { user: source.access_key_id }),
    ...(source.secret_access_key !== undefined && { password: source.secret_access_key }),
    database: source.bucket,
    s3: {
      bucket: source.bucket, prefix: source.prefix, region: source.region, forcePathStyle: source.force_path_style,
      ...(source.endpoint !== undefined && { endpoint: source.endpoint }),
    },
  };
}

function snowflakeTarget(source: SnowflakeSourceConfig): DiscoveryTarget {
  const url = new URL(source.access_url);
  return {
    kind: 'snowflake', source: source.name, host: url.hostname, port: Number(url.port) || (url.protocol === 'http:' ? 80 : 443),
    user: source.user, ...(source.password !== undefined && { password: source.password }), database: '',
    snowflake: {
      account: source.account, accessUrl: source.access_url, databases: source.databases,
      ...(source.private_key !== undefined && { privateKey: source.private_key }),
      ...(source.private_key_passphrase !== undefined && { privateKeyPassphrase: source.private_key_passphrase }),
      ...(source.warehouse !== undefined && { warehouse: source.warehouse }),
      ...(source.role !== undefined && { role: source.role }),
    },
  };
}

export function discoveryTarget(source: SourceConfig): DiscoveryTarget | null {
  if (source.kind === 's3') return s3Target(source);
  if (source.kind === 'snowflake') return snowflakeTarget(source);
  if (source.kind === 'redis') {
    const host = preferReplica(source.hosts);
    if (!host) return null;
    return {
      kind: 'redis', source: source.name, host: host.host, port: host.port,
      ...(source.server?.user !== undefined && { user: source.server.user }),
      ...(source.server && { password: source.server.password }),
      database: '',
    };
  }
  if (source.kind === 'mongodb') {
    const host = preferReplica(source.hosts);
    const user = source.users[0];
    if (!host) return null;
    return {
      kind: 'mongodb', source: source.name, host: host.host, port: host.port, database: source.database,
      ...(user && { user: user.name, password: user.password }),
      ...(user?.auth_source !== undefined && { authSource: user.auth_source }),
    };
  }
  const host = preferReplica(source.hosts);
  const user = source.users[0];
  if (!host || !user) return null;
  return {
    kind: source.kind, source: source.name, host: host.host, port: host.port,
    user: user.server_user ?? user.name, password: user.server_password ?? user.password, database: source.database,
  };
}
