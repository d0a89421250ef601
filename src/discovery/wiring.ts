/**
 * Builds the DiscoveryService of a running gateway and keeps it in step with reloads:
 * configuration read live, host health read from the same inventory the admin views use
 * (never a copy). A reload that adds `discovery:` starts the service, one that removes it
 * stops it (runs in flight are cancelled; the catalog file stays for the next start), one
 * that names another catalog file reopens on that file; every other change (strategies,
 * schedules, rules, sources) applies to the running service.
 */
import type { Logger } from 'pino';
import type { GatewayInventory } from '../admin/inventory.js';
import type { SluiceConfig } from '../config/types.js';
import type { HealthReading } from '../health/types.js';
import { describeCatalog } from './catalog/location.js';
import type { DiscoveryConfig } from './config.js';
import { DiscoveryService } from './service.js';

export function createDiscovery(config: () => SluiceConfig, inventory: GatewayInventory, log: Logger): DiscoveryService | null {
  let last: DiscoveryConfig | undefined = config().discovery;
  if (last === undefined) return null;
  return new DiscoveryService({
    // While a service that a reload removed is closing, it still reads the settings it ran with.
    config: () => (last = config().discovery ?? last!),
    sources: () => config().sources,
    health: (source, host, port): HealthReading | null => {
      const h = inventory.hosts().find((v) => v.source === source && v.host === host && v.port === port)?.health;
      return h ? { state: h.state, role: h.observedRole, latencyEwma: h.latencyEwmaMs, inFlight: h.inFlight, lagSeconds: h.lagSeconds ?? null } : null;
    },
    log: log.child({ component: 'discovery' }),
  });
}

/**
 * The service to run after a reload to `config()`. A catalog that cannot be opened keeps the
 * running service (or none) and logs why, so a bad path never leaves discovery half-switched.
 */
export async function reloadDiscovery(running: DiscoveryService | null, config: () => SluiceConfig, inventory: GatewayInventory, log: Logger): Promise<DiscoveryService | null> {
  const wanted = config().discovery;
  if (running !== null && wanted !== undefined && running.catalogPath === wanted.catalog) {
    running.schedule();
    return running;
  }
  let next: DiscoveryService | null = null;
  if (wanted !== undefined) {
    try {
      next = createDiscovery(config, inventory, log);
      // A PostgreSQL catalog connects in the background; wait for it before switching over.
      await next?.catalog.opened();
    } catch (err) {
      log.error({ err, catalog: describeCatalog(wanted.catalog) }, 'discovery settings not applied: the new catalog cannot be opened; the running discovery stays');
      await next?.close().catch(() => {});
      running?.schedule();
      return running;
    }
  }
  if (running !== null) {
    await running.close();
    log.info({ catalog: describeCatalog(running.catalogPath) }, next === null ? 'discovery stopped by reload; its catalog is kept' : 'discovery moved to another catalog by reload');
  }
  if (next !== null) log.info({ catalog: describeCatalog(next.catalogPath) }, 'discovery started by reload');
  return next;
}
