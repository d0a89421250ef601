/** SHOW <subject> → the answer, from the read model and the live sources. */
import type { RedisSourceConfig } from '../../../config/types.js';
import type { PgProxyContext } from '../context.js';
import { inventoryOf } from './read-model.js';
import type { ResultSet } from './result.js';
import { showClients, showServers } from './show-connections.js';
import { showDatabases, showLists, showUsers } from './show-databases.js';
import { showConfig, showState, showVersion } from './show-info.js';
import { showPools } from './show-pools.js';
import { showStats, showStatsAverages, showStatsTotals, showTotals } from './show-stats.js';

/** null for a subject the console does not know. */
export function showConsole(ctx: PgProxyContext, subject: string): ResultSet | null {
  const sources = ctx.sources.values();
  const redis = redisSources(ctx);
  switch (subject) {
    case 'POOLS': return showPools(inventoryOf(ctx).pools());
    case 'STATS': return showStats(inventoryOf(ctx).stats());
    case 'STATS_TOTALS': return showStatsTotals(inventoryOf(ctx).stats());
    case 'STATS_AVERAGES': return showStatsAverages(inventoryOf(ctx).stats());
    case 'TOTALS': return showTotals(inventoryOf(ctx).stats());
    case 'CLIENTS': return showClients(inventoryOf(ctx).clients(), ctx.listener.listen);
    case 'SERVERS': return showServers(inventoryOf(ctx).servers());
    case 'DATABASES': return showDatabases(sources, redis, inventoryOf(ctx));
    case 'USERS': return showUsers(sources, redis);
    case 'LISTS': return showLists(sources, redis, inventoryOf(ctx));
    case 'VERSION': return showVersion();
    case 'STATE': return showState(ctx);
    case 'CONFIG': return ctx.console === undefined ? null : showConfig(ctx.console.config(), ctx);
    default: return null;
  }
}

/** Redis sources have their own listeners, but the console lists them with the rest. */
function redisSources(ctx: PgProxyContext): RedisSourceConfig[] {
  if (ctx.console === undefined) return [];
  return Object.values(ctx.console.config().sources).filter((s) => s.kind === 'redis');
}
