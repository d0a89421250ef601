/**
 * Builds the DiscoveryService of a running gateway: configuration read live (a reload that
 * drops `discovery:` keeps the last settings until restart) and host health read from the
 * same inventory the admin views use, never a copy.
 */
import type { Logger } from 'pino';
import type { GatewayInventory } from '../admin/inventory.js';
import type { SluiceConfig } from '../config/types.js';
import type { HealthReading } from '../health/types.js';
import type { DiscoveryConfig } from './config.js';
import { DiscoveryService } from './service.js';

export function createDiscovery(config: () => SluiceConfig, inventory: GatewayInventory, log: Logger): DiscoveryService | null {
  let last: DiscoveryConfig | undefined = config().discovery;
  if (last === undefined) return null;
  return new DiscoveryService({
    config: () => (last = config().discovery ?? last!),
    sources: () => config().sources,
    health: (source, host, port): HealthReading | null => {
      const h = inventory.hosts().find((v) => v.source === source && v.host === host && v.port === port)?.health;
      return h ? { state: h.state, role: h.observedRole, latencyEwma: h.latencyEwmaMs, inFlight: h.inFlight, lagSeconds: h.lagSeconds ?? null } : null;
    },
    log: log.child({ component: 'discovery' }),
  });
}
