/**
 * Redis connector: the keyspace is sampled with SCAN (never KEYS, which blocks the server),
 * keys are collapsed into patterns, and each pattern gets its types, TTL and memory figures.
 * Values are sampled per pattern from the keys the scan saw (GET, HMGET, SRANDMEMBER…).
 */
import { Redis } from 'ioredis';
import type { Connector, ConnectorLimits, DiscoveryTarget } from '../connector.js';
import { DiscoveryError } from '../errors.js';
import { datasetId, type DatasetInfo, type DatasetSample, type FieldInfo } from '../types.js';
import { distribution } from './distribution.js';
import { collapseKeys } from './key-patterns.js';

/** Keys kept per pattern for value sampling. */
const KEYS_KEPT = 100;
const PIPELINE = 100;
const EXAMPLES = 3;

interface KeyFacts { key: string; type: string; ttlMs: number; memory: number | null }

export async function connectRedis(target: DiscoveryTarget, limits: ConnectorLimits): Promise<Connector> {
  const redis = new Redis({
    host: target.host, port: target.port, username: target.user, password: target.password,
    lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null,
    connectTimeout: limits.statementTimeoutMs, commandTimeout: limits.statementTimeoutMs,
    connectionName: 'sluice-discovery',
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new DiscoveryError('SLUICE_DISCOVERY_CONNECT', `discovery could not connect to ${target.host}:${target.port} for source "${target.source}": ${(err as Error).message}`, { cause: err });
  }
  return new RedisConnector(redis, target, limits);
}

class RedisConnector implements Connector {
  readonly kind = 'redis' as const;
  /** Sampled keys per dataset id, for sample(). */
  private readonly keysOf = new Map<string, string[]>();
  constructor(private readonly redis: Redis, private readonly target: DiscoveryTarget, private readonly limits: ConnectorLimits) {}

  private async dbs(): Promise<number[]> {
    if (this.target.database !== '') return [Number(this.target.database)];
    const info = await this.redis.info('keyspace');
    return [...info.matchAll(/^db(\d+):keys=\d+/gm)].map((m) => Number(m[1]));
  }

  async introspect(): Promise<DatasetInfo[]> {
    const out: DatasetInfo[] = [];
    try {
      for (const db of await this.dbs()) {
        await this.redis.select(db);
        out.push(...await this.introspectDb(db));
      }
    } catch (err) {
      if (err instanceof DiscoveryError) throw err;
      throw new DiscoveryError('SLUICE_DISCOVERY_QUERY', `redis discovery failed: ${(err as Error).message}`, { cause: err });
    }
    return out;
  }

  private async scan(): Promise<string[]> {
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'COUNT', this.limits.scanCount);
      for (const k of keys) seen.add(k);
      cursor = next;
      await this.limits.pace();
    } while (cursor !== '0' && seen.size < this.limits.sampleKeys);
    return [...seen].slice(0, this.limits.sampleKeys);
  }

  private async facts(keys: readonly string[]): Promise<KeyFacts[]> {
    const out: KeyFacts[] = [];
    for (let i = 0; i < keys.length; i += PIPELINE) {
      const batch = keys.slice(i, i + PIPELINE);
      const p = this.redis.pipeline();
      for (const k of batch) p.type(k).pttl(k).call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
      const replies = (await p.exec()) ?? [];
      batch.forEach((key, j) => {
        const [, type] = replies[j * 3] ?? [];
        const [, ttl] = replies[j * 3 + 1] ?? [];
        const [memErr, memory] = replies[j * 3 + 2] ?? [];
        // A key that expired between SCAN and TYPE reads as type none: it is no longer there.
        if (type === 'none' || typeof type !== 'string') return;
        out.push({ key, type, ttlMs: Number(ttl), memory: memErr || memory === null ? null : Number(memory) });
      });
      await this.limits.pace();
    }
    return out;
  }

  private async introspectDb(db: number): Promise<DatasetInfo[]> {
    const total = await this.redis.dbsize();
    const facts = await this.facts(await this.scan());
    const patternOf = collapseKeys(facts.map((f) => f.key));
    const groups = new Map<string, KeyFacts[]>();
    for (const f of facts) {
      const pattern = patternOf.get(f.key)!;
      groups.set(pattern, [...groups.get(pattern) ?? [], f]);
    }
    const schema = `db${db}`;
    const out: DatasetInfo[] = [];
    for (const [pattern, group] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      const types: Record<string, number> = {};
      for (const f of group) types[f.type] = (types[f.type] ?? 0) + 1;
      const main = Object.entries(types).sort((a, b) => b[1] - a[1])[0]![0];
      const keys = group.map((f) => f.key);
      const dataset: DatasetInfo = {
        schema, name: pattern, kind: 'key_pattern', comment: null,
        rowEstimate: facts.length === 0 ? 0 : Math.round((group.length / facts.length) * total),
        fields: await this.fieldsOf(main, keys.filter((_, i) => group[i]!.type === main)),
        primaryKey: [], uniqueKeys: [], foreignKeys: [], indexes: [], partitions: [],
        keyPattern: {
          sampledKeys: group.length,
          estimatedKeys: facts.length === 0 ? 0 : Math.round((group.length / facts.length) * total),
          types,
          persistent: group.filter((f) => f.ttlMs < 0).length,
          ttlSeconds: distribution(group.filter((f) => f.ttlMs >= 0).map((f) => Math.round(f.ttlMs / 1000))),
          memoryBytes: distribution(group.flatMap((f) => (f.memory === null ? [] : [f.memory]))),
          examples: keys.slice(0, EXAMPLES),
        },
      };
      this.keysOf.set(datasetId(dataset), keys.slice(0, KEYS_KEPT));
      out.push(dataset);
    }
    return out;
  }

  /** Hash patterns show their field names (from a few keys); other types one value field. */
  private async fieldsOf(type: string, keys: readonly string[]): Promise<FieldInfo[]> {
    const field = (name: string, position: number): FieldInfo => ({ name, type: type === 'hash' ? 'hash field' : type, nullable: true, default: null, comment: null, position });
    if (type !== 'hash') return [field(type === 'string' ? 'value' : 'member', 1)];
    const names = new Set<string>();
    for (const key of keys.slice(0, EXAMPLES)) {
      const [, entries] = await this.redis.hscan(key, '0', 'COUNT', 50);
      for (let i = 0; i < entries.length; i += 2) names.add(entries[i]!);
    }
    return [...names].sort().map((n, i) => field(n, i + 1));
  }

  async sample(dataset: DatasetInfo, rows: number): Promise<DatasetSample> {
    const keys = (this.keysOf.get(datasetId(dataset)) ?? []).slice(0, rows);
    const fields = dataset.fields.map((f) => f.name);
    const db = Number(dataset.schema.slice(2));
    await this.redis.select(db);
    const cut = (v: string | null) => (v === null ? null : v.slice(0, this.limits.maxValueLength));
    const p = this.redis.pipeline();
    const type = dataset.fields[0]?.type;
    for (const k of keys) {
      if (type === 'hash field') p.hmget(k, ...fields);
      else if (type === 'string') p.get(k);
      else if (type === 'list') p.lrange(k, 0, 4);
      else if (type === 'set') p.call('SRANDMEMBER', k, '5');
      else if (type === 'zset') p.zrange(k, '0', '4');
    }
    const replies = (await p.exec()) ?? [];
    if (type === 'hash field') {
      const rowsOut = replies.map(([, r]) => (Array.isArray(r) ? r.map((v) => cut(typeof v === 'string' ? v : null)) : []));
      return { fields, values: fields.map((_, i) => rowsOut.map((r) => r[i] ?? null)) };
    }
    const values = replies.flatMap(([, r]) => (Array.isArray(r) ? r : [r])).map((v) => cut(typeof v === 'string' ? v : null));
    return { fields, values: fields.length === 1 ? [values] : [] };
  }

  /** Redis has no columns to check containment against. */
  async countPresent(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
