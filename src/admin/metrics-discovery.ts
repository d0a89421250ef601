/** Discovery on /metrics: runs by outcome, change events, datasets and the last run's duration per source. */
import type { Registry } from 'prom-client';
import type { DiscoveryService } from '../discovery/service.js';
import { scrapedSeries, type Row } from './scraped-series.js';

export function registerDiscoveryMetrics(register: Registry, discovery: () => DiscoveryService | null): void {
  // A catalog database that is down leaves these series out rather than failing the whole scrape.
  const rows = (pick: (s: DiscoveryService) => Promise<Row[]>) => async () => {
    const s = discovery();
    return s === null ? [] : pick(s).catch((): Row[] => []);
  };
  scrapedSeries(register, 'counter', 'sluice_discovery_runs_total', 'Discovery runs by source and status (running, succeeded, failed)', ['source', 'status'],
    rows(async (s) => (await s.catalog.totals()).runs.map((r): Row => [{ source: r.source, status: r.status }, r.n])));
  scrapedSeries(register, 'counter', 'sluice_discovery_changes_total', 'Schema change events recorded by discovery', ['source'],
    rows(async (s) => (await s.catalog.totals()).changes.map((c): Row => [{ source: c.source }, c.n])));
  const summaries = (s: DiscoveryService) => s.catalog.summaries(s.sourceNames());
  scrapedSeries(register, 'gauge', 'sluice_discovery_datasets', 'Datasets (tables, views, key patterns) in the current catalog version', ['source'],
    rows(async (s) => (await summaries(s)).map((x): Row => [{ source: x.source }, x.datasets])));
  scrapedSeries(register, 'gauge', 'sluice_discovery_last_run_seconds', 'Duration of the last successful discovery run', ['source'],
    rows(async (s) => (await summaries(s)).flatMap((x): Row[] => (x.lastRun?.timings ? [[{ source: x.source }, x.lastRun.timings.totalMs / 1000]] : []))));
}
