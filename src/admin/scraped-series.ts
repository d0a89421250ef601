/**
 * A Prometheus gauge or counter whose values are read from the live gateway when scraped:
 * each scrape starts from nothing and sets every row, so a pool or host that went away
 * leaves no stale series behind.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export type Labels = Record<string, string>;
export type Row = readonly [Labels, number];

export function scrapedSeries(register: Registry, kind: 'gauge' | 'counter', name: string, help: string, labelNames: readonly string[], rows: () => Iterable<Row>): void {
  if (kind === 'gauge') {
    new Gauge({
      name, help, registers: [register], labelNames,
      collect() {
        this.reset();
        for (const [labels, value] of rows()) this.set(labels, value);
      },
    });
    return;
  }
  new Counter({
    name, help, registers: [register], labelNames,
    collect() {
      // A counter only moves through inc(); the running total is the gateway's own, so start from zero.
      this.reset();
      for (const [labels, value] of rows()) this.inc(labels, value);
    },
  });
}
