/**
 * SHOW VERSION, STATE, CONFIG and HELP. CONFIG lists Sluice's settings under PgBouncer's
 * names where one exists (the first source's pool stands for the defaults PgBouncer has).
 */
import type { SluiceConfig } from '../../../config/types.js';
import { POOL_DEFAULTS } from '../../../config/schema.js';
import type { PgProxyContext } from '../context.js';
import { type ResultSet, cols } from './result.js';

/** The version string tools parse: PgBouncer's form first, then Sluice's own. */
export const VERSION = 'PgBouncer 1.18.0 (Sluice)';

export const HELP_TEXT = [
  'SHOW HELP|CONFIG|DATABASES|POOLS|CLIENTS|SERVERS|USERS|VERSION|STATE',
  'SHOW LISTS',
  'SHOW STATS|STATS_TOTALS|STATS_AVERAGES|TOTALS',
  'RELOAD',
  'PAUSE [<db>]',
  'RESUME [<db>]',
  'DISABLE <db>',
  'ENABLE <db>',
  'RECONNECT [<db>]',
  'KILL <db>',
  'SHUTDOWN',
].map((l) => '\t' + l).join('\n');

export function showVersion(): ResultSet {
  return { columns: cols('version'), rows: [[VERSION]] };
}

export function showState(ctx: PgProxyContext): ResultSet {
  const pools = [...ctx.sources.values()].flatMap((s) => [...s.pools.values()]);
  const paused = pools.length > 0 && pools.every((p) => p.snapshot().paused);
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  return { columns: cols('key', 'value'), rows: [['active', yes(!paused && !ctx.shuttingDown)], ['paused', yes(paused)], ['suspended', 'no']] };
}

const seconds = (ms: number) => String(Math.round(ms / 1000));

export function showConfig(config: SluiceConfig, ctx: PgProxyContext): ResultSet {
  const pool = [...ctx.sources.values()][0]?.config.pool;
  const l = ctx.listener;
  const rows: [string, string, string, string][] = [
    ['admin_users', (config.admin?.admin_users ?? []).join(','), '', 'yes'],
    ['client_login_timeout', seconds(l.client_login_timeout), '15', 'yes'],
    ['listen_addr', l.listen.host, '', 'no'],
    ['listen_port', String(l.listen.port), '6432', 'no'],
    ['max_client_conn', String(l.max_client_conn), '10000', 'yes'],
    ['max_packet_size', String(l.max_packet_size), String(1024 ** 3), 'yes'],
    ['stats_users', (config.admin?.stats_users ?? []).join(','), '', 'yes'],
    ['shutdown_timeout', seconds(config.shutdown_timeout), '30', 'yes'],
  ];
  if (pool !== undefined) {
    rows.push(
      ['default_pool_size', String(pool.size), String(POOL_DEFAULTS.size), 'yes'],
      ['idle_transaction_timeout', seconds(pool.idle_transaction_timeout), '0', 'yes'],
      ['max_prepared_statements', String(pool.max_prepared_statements), String(POOL_DEFAULTS.max_prepared_statements), 'yes'],
      ['min_pool_size', String(pool.min_size), String(POOL_DEFAULTS.min_size), 'yes'],
      ['pool_mode', pool.mode, POOL_DEFAULTS.mode, 'yes'],
      ['query_wait_timeout', seconds(pool.query_wait_timeout), '120', 'yes'],
      ['server_check_delay', seconds(pool.server_check_delay), '30', 'yes'],
      ['server_check_query', pool.server_check_query, POOL_DEFAULTS.server_check_query, 'yes'],
      ['server_connect_timeout', seconds(pool.server_connect_timeout), '15', 'yes'],
      ['server_idle_timeout', seconds(pool.server_idle_timeout), '600', 'yes'],
      ['server_lifetime', seconds(pool.server_lifetime), '3600', 'yes'],
      ['server_login_retry', seconds(pool.server_login_retry), '1', 'yes'],
      ['server_reset_query', pool.server_reset_query, POOL_DEFAULTS.server_reset_query, 'yes'],
    );
  }
  rows.sort((a, b) => a[0].localeCompare(b[0]));
  return { columns: cols('key', 'value', 'default', 'changeable'), rows };
}
