/**
 * The hosts of one source and the choice of host for a new server connection. This first
 * version honours roles and operator-disabled hosts and spreads connections by weight;
 * health-weighted choice, zones and failover build on the same `pick` (issue: routing).
 */
import type { HostConfig } from '../config/types.js';
import type { HostTarget } from '../pool/types.js';

export type RouteRole = 'primary' | 'any';

export interface RoutedHost extends HostTarget {
  readonly config: HostConfig;
  disabled: boolean;
  /** Server connections open to this host, kept by the pools. */
  connections: number;
}

export class HostSet {
  readonly hosts: RoutedHost[];

  constructor(hosts: readonly HostConfig[]) {
    this.hosts = hosts.map((h) => ({
      host: h.host,
      port: h.port,
      key: h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`,
      config: h,
      disabled: false,
      connections: 0,
    }));
  }

  /**
   * A host for a new connection: primaries (or 'auto') for 'primary', any for 'any'; among
   * them the one with the fewest connections per unit of weight.
   */
  pick(role: RouteRole): RoutedHost | null {
    let best: RoutedHost | null = null;
    let bestLoad = Infinity;
    for (const h of this.hosts) {
      if (h.disabled) continue;
      if (role === 'primary' && h.config.role === 'replica') continue;
      const load = h.connections / Math.max(h.config.weight, 1e-9);
      if (load < bestLoad) { best = h; bestLoad = load; }
    }
    return best;
  }

  find(key: string): RoutedHost | undefined { return this.hosts.find((h) => h.key === key); }
}
