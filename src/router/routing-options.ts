/**
 * A source's `routing:` block as the router reads it (issue 4 item 1). Durations are in
 * milliseconds, as everywhere in the resolved config. Not yet in src/config: the loader
 * will produce this shape, and until then routingOptions() gives the defaults.
 */
export type PrimaryReads = 'fallback' | 'always' | 'never';

export interface RoutingOptions {
  /** Send transactions that begin read-only to replicas; off sends everything to the primary. */
  read_write_split: boolean;
  /** Zone tiers in order of preference; entries ending in ':' or '*' match by prefix. */
  prefer_zones: string[];
  /** Replicas whose replay lag exceeds this take no reads; 0 disables the limit. */
  replica_lag_max: number;
  /** Reads on the primary: only when no replica can serve, alongside replicas, or never. */
  primary_reads: PrimaryReads;
  /** How long write transactions wait for a primary during failover before failing. */
  failover_timeout: number;
}

export const DEFAULT_ROUTING: Readonly<RoutingOptions> = Object.freeze({
  read_write_split: false,
  prefer_zones: [],
  replica_lag_max: 10_000,
  primary_reads: 'fallback',
  failover_timeout: 30_000,
});

export function routingOptions(overrides: Partial<RoutingOptions> = {}): RoutingOptions {
  const o = { ...DEFAULT_ROUTING, ...overrides, prefer_zones: [...(overrides.prefer_zones ?? DEFAULT_ROUTING.prefer_zones)] };
  if (!(o.replica_lag_max >= 0)) throw new RangeError(`replica_lag_max must be 0 or more, got ${o.replica_lag_max}`);
  if (!(o.failover_timeout >= 0)) throw new RangeError(`failover_timeout must be 0 or more, got ${o.failover_timeout}`);
  return o;
}
