/**
 * A Prometheus histogram whose buckets are counted elsewhere (LatencyHistogram on the
 * forwarding path) and only read here at scrape time. It extends prom-client's Histogram for
 * the registry's sake, but never observes: get() reports the live counts as they are.
 */
import { Histogram, type Registry } from 'prom-client';
import { LATENCY_BOUNDS_US, type LatencyHistogram } from '../pool/latency-histogram.js';

export interface BucketedSeries<L extends string> {
  labels: Record<L, string>;
  histogram: LatencyHistogram;
  /** Observations of zero kept outside the histogram (e.g. leases that never queued). */
  extraZeros?: number;
}

const LE = [...LATENCY_BOUNDS_US.map((us) => String(us / 1e6)), '+Inf'];

export class BucketedHistogram<L extends string> extends Histogram<L> {
  constructor(private readonly metricName: string, private readonly helpText: string, labelNames: readonly L[], register: Registry, private readonly series: () => Iterable<BucketedSeries<L>>) {
    super({ name: metricName, help: helpText, labelNames, registers: [register], buckets: LATENCY_BOUNDS_US.map((us) => us / 1e6) });
  }

  override async get(): Promise<Awaited<ReturnType<Histogram<L>['get']>>> {
    return this.getForPromString();
  }

  /** The registry's text exposition calls this (untyped in prom-client) instead of get(). */
  async getForPromString(): Promise<Awaited<ReturnType<Histogram<L>['get']>>> {
    const values: Awaited<ReturnType<Histogram<L>['get']>>['values'] = [];
    for (const { labels, histogram, extraZeros = 0 } of this.series()) {
      let cumulative = extraZeros;
      histogram.counts.forEach((count, i) => {
        cumulative += count;
        values.push({ metricName: `${this.metricName}_bucket`, labels: { ...labels, le: LE[i]! }, value: cumulative });
      });
      values.push({ metricName: `${this.metricName}_sum`, labels, value: histogram.sumUs / 1e6 });
      values.push({ metricName: `${this.metricName}_count`, labels, value: cumulative });
    }
    // prom-client's typings declare `type` as a numeric enum, but its registry prints the
    // string it finds here, as its own Histogram sets it; hence the one cast.
    const metric = { name: this.metricName, help: this.helpText, type: 'histogram', aggregator: 'sum', values };
    return metric as unknown as Awaited<ReturnType<Histogram<L>['get']>>;
  }
}
