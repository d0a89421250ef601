/**
 * A source's `routing:` block as the router reads it (issue 4 item 1): the resolved config's
 * RoutingConfig, durations in milliseconds. routingOptions() fills defaults for a source
 * whose YAML has no `routing:` and for tests.
 */
import type { PrimaryReads, RoutingConfig } from '../config/types.js';

export type { PrimaryReads };
export type RoutingOptions = RoutingConfig;

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
