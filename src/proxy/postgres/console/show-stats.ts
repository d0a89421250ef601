/**
 * SHOW STATS, STATS_TOTALS, STATS_AVERAGES and TOTALS: per-database figures summed over the
 * database's users. Averages are per second (counts, bytes) or per unit (times) since start.
 */
import type { StatsView } from '../../../admin/inventory-types.js';
import { type ResultSet, cols } from './result.js';

const STARTED = Date.now();

interface Totals { xact: number; query: number; recv: number; sent: number; xactTime: number; queryTime: number; waitTime: number }

function byDatabase(stats: StatsView[]): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const s of stats) {
    let t = out.get(s.source);
    if (t === undefined) out.set(s.source, t = { xact: 0, query: 0, recv: 0, sent: 0, xactTime: 0, queryTime: 0, waitTime: 0 });
    t.xact += s.transactions;
    t.query += s.queries;
    t.recv += s.bytesIn;
    t.sent += s.bytesOut;
    t.xactTime += s.transactionTimeUs;
    t.queryTime += s.queryTimeUs;
    t.waitTime += s.waitTimeUs;
  }
  return out;
}

function totalsRow(t: Totals): number[] {
  return [t.xact, t.query, t.recv, t.sent, t.xactTime, t.queryTime, t.waitTime];
}

function averagesRow(t: Totals): number[] {
  const seconds = Math.max((Date.now() - STARTED) / 1000, 1);
  const per = (n: number, d: number) => (d === 0 ? 0 : n / d);
  return [t.xact / seconds, t.query / seconds, t.recv / seconds, t.sent / seconds, per(t.xactTime, t.xact), per(t.queryTime, t.query), per(t.waitTime, t.xact)];
}

const SEVEN = ['xact_count', 'query_count', 'bytes_received', 'bytes_sent', 'xact_time', 'query_time', 'wait_time'];

/**
 * PgBouncer 1.18's fifteen columns, then `total_requests` (PgBouncer ≤ 1.7's name for the
 * query count), which older exporters still read by name, Debian's among them.
 */
export function showStats(stats: StatsView[]): ResultSet {
  const columns = cols('database',
    'total_xact_count:numeric', 'total_query_count:numeric', 'total_received:numeric', 'total_sent:numeric',
    'total_xact_time:numeric', 'total_query_time:numeric', 'total_wait_time:numeric',
    'avg_xact_count:numeric', 'avg_query_count:numeric', 'avg_recv:numeric', 'avg_sent:numeric',
    'avg_xact_time:numeric', 'avg_query_time:numeric', 'avg_wait_time:numeric', 'total_requests:numeric');
  const rows = [...byDatabase(stats)].map(([db, t]) => [db, ...totalsRow(t), ...averagesRow(t), t.query]);
  return { columns, rows };
}

export function showStatsTotals(stats: StatsView[]): ResultSet {
  return { columns: cols('database', ...SEVEN.map((c) => `${c}:numeric`)), rows: [...byDatabase(stats)].map(([db, t]) => [db, ...totalsRow(t)]) };
}

export function showStatsAverages(stats: StatsView[]): ResultSet {
  return { columns: cols('database', ...SEVEN.map((c) => `${c}:numeric`)), rows: [...byDatabase(stats)].map(([db, t]) => [db, ...averagesRow(t)]) };
}

/** SHOW TOTALS: the STATS figures summed over every database, one row per figure. */
export function showTotals(stats: StatsView[]): ResultSet {
  const all: Totals = { xact: 0, query: 0, recv: 0, sent: 0, xactTime: 0, queryTime: 0, waitTime: 0 };
  for (const t of byDatabase(stats).values()) for (const k of Object.keys(all) as (keyof Totals)[]) all[k] += t[k];
  const names = ['xact_count', 'query_count', 'received', 'sent', 'xact_time', 'query_time', 'wait_time'];
  const tot = totalsRow(all), avg = averagesRow(all);
  const rows = [...names.map((n, i) => [`total_${n}`, tot[i]!]), ...names.map((n, i) => [`avg_${n}`, avg[i]!])];
  return { columns: cols('name', 'value:numeric'), rows };
}
