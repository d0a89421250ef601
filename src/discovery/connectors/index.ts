/** One connector module per kind of source; this picks the one a target needs. */
import type { Connector, ConnectorLimits, DiscoveryTarget } from '../connector.js';
import { connectMysql } from './mysql.js';
import { connectPostgres } from './postgres.js';
import { connectRedis } from './redis.js';

export type ConnectorFactory = (target: DiscoveryTarget, limits: ConnectorLimits) => Promise<Connector>;

const FACTORIES: Readonly<Record<DiscoveryTarget['kind'], ConnectorFactory>> = {
  postgres: connectPostgres,
  mysql: connectMysql,
  redis: connectRedis,
  // The AWS SDK, the MongoDB driver and snowflake-sdk take ~300 ms or more to load; only deployments with such a source pay it.
  s3: async (target, limits) => (await import('./s3.js')).connectS3(target, limits),
  mongodb: async (target, limits) => (await import('./mongodb.js')).connectMongo(target, limits),
  snowflake: async (target, limits) => (await import('./snowflake.js')).connectSnowflake(target, limits),
};

export const connect: ConnectorFactory = (target, limits) => FACTORIES[target.kind](target, limits);
