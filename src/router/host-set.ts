/**
 * The hosts of one source, each with its health tracker. `pick` is the simple choice for a
 * new server connection (roles, operator-disabled hosts, connections by weight) where work is
 * not routed per unit; PostgreSQL routes each unit of work through HostRoster instead.
 */
import type { HostConfig } from '../config/types.js';
import { HostHealth } from '../health/host-health.js';
import type { HealthOptions } from '../health/options.js';
import type { Clock, ObservedRole, RandomSource } from '../health/types.js';
import type { HostTarget } from '../pool/types.js';

export type RouteRole = 'primary' | 'any';

export interface RoutedHost extends HostTarget {
  readonly config: HostConfig;
  disabled: boolean;
  /** Server connections open to this host, kept by the pools. */
  connections: number;
  /** Its health from traffic and probes: what routing and the admin views read. */
  readonly health: HostHealth;
}

/** How the hosts' health trackers are made; tests pass a fake clock. */
export interface HealthInit {
  clock?: Clock;
  random?: RandomSource;
  options?: Partial<HealthOptions>;
}

const WALL_CLOCK: Clock = { now: () => Date.now() };

/** The configured role is believed until a probe says otherwise; `auto` starts unknown. */
function seedRole(role: HostConfig['role']): ObservedRole {
  return role === 'auto' ? 'unknown' : role;
}

export class HostSet {
  readonly hosts: RoutedHost[];

  constructor(hosts: readonly HostConfig[], health: HealthInit = {}) {
    this.hosts = hosts.map((h) => {
      const key = h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`;
      return {
        host: h.host,
        port: h.port,
        key,
        config: h,
        disabled: false,
        connections: 0,
        health: new HostHealth(key, { clock: health.clock ?? WALL_CLOCK, random: health.random, options: health.options, role: seedRole(h.role), weight: h.weight }),
      };
    });
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
