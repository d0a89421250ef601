/**
 * A Prometheus gauge or counter whose values are read from the live gateway when scraped:
 * each scrape starts from nothing and sets every row, so a pool or host that went away
 * leaves no stale series behind.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export type Labels = Record<string, string>;
export type Row = readonly [Labels, number];

/** `rows` may be async (the discovery catalog is read through a promise); prom-client awaits collect. */
export function scrapedSeries(register: Registry, kind: 'gauge' | 'counter', name: string, help: string, labelNames: readonly string[], rows: () => Iterable<Row> | Promise<Iterable<Row>>): void {
  if (kind === 'gauge') {
    new Gauge({
      name, help, registers: [register], labelNames,
      async collect() {
        const got = await rows();
        this.reset();
        for (const [labels, value] of got) this.set(labels, value);
      },
    });
    return;
  }
  new Counter({
    name, help, registers: [register], labelNames,
    async collect() {
      const got = await rows();
      // A counter only moves through inc(); the running total is the gateway's own, so start from zero.
      this.reset();
      for (const [labels, value] of got) this.inc(labels, value);
    },
  });
}
