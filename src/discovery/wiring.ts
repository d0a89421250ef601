/**
 * Builds the DiscoveryService of a running gateway and keeps it in step with reloads:
 * configuration read live, host health and the pools' transaction totals read from the same
 * inventory the admin views use (never a copy). A reload that adds `discovery:` starts the
 * service, one that removes it stops it (runs in flight are cancelled; the catalog file stays
 * for the next start), one that names another catalog file reopens on that file; every other
 * change (strategies, schedules, rules, sources) applies to the running service.
 */
import type { Logger } from 'pino';
import type { GatewayInventory } from '../admin/inventory.js';
import type { SluiceConfig } from '../config/types.js';
import type { HealthReading } from '../health/types.js';
import { LATENCY_BOUNDS_US } from '../pool/latency-histogram.js';
import { describeCatalog } from './catalog/location.js';
import type { DiscoveryConfig } from './config.js';
import { DiscoveryService } from './service.js';
import type { TrafficTotals } from './traffic-window.js';

/**
 * Transactions carried by the pools of every source that lists host:port, summed from their
 * running totals (the PostgreSQL and MySQL pools: the ones whose latencies the inventory
 * keeps). A run competes with all of them for that server, and with all traffic for this
 * process's CPU.
 */
function hostTraffic(config: SluiceConfig, inventory: GatewayInventory, host: string, port: number): TrafficTotals | null {
  const sources = new Set<string>();
  for (const s of Object.values(config.sources)) {
    if ('hosts' in s && s.hosts.some((h) => h.host === host && h.port === port)) sources.add(s.name);
  }
  let found = false;
  const buckets = new Array<number>(LATENCY_BOUNDS_US.length + 1).fill(0);
  const totals: TrafficTotals = { sumUs: 0, count: 0, buckets };
  for (const v of inventory.latencies()) {
    if (!sources.has(v.source)) continue;
    found = true;
    totals.sumUs += v.transaction.sumUs;
    totals.count += v.transaction.count;
    v.transaction.counts.forEach((n, i) => { buckets[i]! += n; });
  }
  return found ? totals : null;
}

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
    traffic: (host, port) => hostTraffic(config(), inventory, host, port),
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
