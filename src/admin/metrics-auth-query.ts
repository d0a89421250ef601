/** auth_query on /metrics: per source, lookups by result and logins answered from the cache. */
import type { Registry } from 'prom-client';
import type { PgSource } from '../proxy/postgres/pg-source.js';
import type { Row } from './scraped-series.js';
import { scrapedSeries } from './scraped-series.js';

export function registerAuthQueryMetrics(register: Registry, sources: () => Iterable<PgSource>): void {
  scrapedSeries(register, 'counter', 'sluice_auth_query_lookups_total', 'auth_query lookups sent to the database, by result (found, missing: no such user, failed: the query could not run)', ['source', 'result'], function* (): Iterable<Row> {
    for (const source of sources()) {
      if (!source.dynamicUsers.enabled) continue;
      const t = source.dynamicUsers.lookupTotals;
      yield [{ source: source.name, result: 'found' }, t.found];
      yield [{ source: source.name, result: 'missing' }, t.missing];
      yield [{ source: source.name, result: 'failed' }, t.failed];
    }
  });
  scrapedSeries(register, 'counter', 'sluice_auth_query_cache_hits_total', 'Logins checked against a kept auth_query answer, without a lookup (auth_query_ttl)', ['source'], function* (): Iterable<Row> {
    for (const source of sources()) {
      if (source.dynamicUsers.enabled) yield [{ source: source.name }, source.dynamicUsers.lookupTotals.hits];
    }
  });
}
