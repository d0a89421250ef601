/**
 * The last minutes of traffic per source, for the status page's charts: once a second the
 * inventory's totals are read and the rates since the previous reading are kept in a ring.
 * Only the totals the pools already count are read, so the forwarding path does no extra work.
 */
import type { Inventory } from './inventory-types.js';

/** One source at one sampling instant: totals since start, rates and averages over the interval before it. */
export interface SourceSample {
  source: string;
  transactions: number;
  queries: number;
  bytesIn: number;
  bytesOut: number;
  tps: number;
  qps: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
  /** Leases per second that had to queue: the weight of avgWaitTimeUs. */
  waitsPerSec: number;
  /** Null when nothing of that kind finished in the interval, so a chart shows a gap, not a fast zero. */
  avgTransactionTimeUs: number | null;
  avgQueryTimeUs: number | null;
  avgWaitTimeUs: number | null;
  clActive: number;
  clWaiting: number;
}

export interface HistorySample {
  /** ms since the epoch. */
  at: number;
  sources: SourceSample[];
}

export interface StatsHistoryOptions {
  intervalMs?: number;
  /** Samples kept; the default with the default interval is ten minutes. */
  capacity?: number;
  now?: () => number;
}

interface Totals {
  transactions: number; queries: number; bytesIn: number; bytesOut: number;
  transactionTimeUs: number; queryTimeUs: number; waitTimeUs: number; waitCount: number;
}

const ZERO: Totals = { transactions: 0, queries: 0, bytesIn: 0, bytesOut: 0, transactionTimeUs: 0, queryTimeUs: 0, waitTimeUs: 0, waitCount: 0 };

/** Fixed-size ring: the oldest sample is overwritten, nothing is allocated once it is full. */
class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  toArray(): T[] {
    return this.items.length < this.capacity ? this.items.slice() : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}

function totalsBySource(inventory: Pick<Inventory, 'stats'>): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const s of inventory.stats()) {
    let t = out.get(s.source);
    if (t === undefined) out.set(s.source, t = { ...ZERO });
    t.transactions += s.transactions; t.queries += s.queries;
    t.bytesIn += s.bytesIn; t.bytesOut += s.bytesOut;
    t.transactionTimeUs += s.transactionTimeUs; t.queryTimeUs += s.queryTimeUs;
    t.waitTimeUs += s.waitTimeUs; t.waitCount += s.waitCount ?? 0;
  }
  return out;
}

/** A total that went down belongs to a pool a reload replaced: count from zero, as Prometheus' rate() does. */
function baseline(cur: Totals, prev: Totals | undefined): Totals {
  if (prev === undefined) return ZERO;
  for (const k of Object.keys(ZERO) as (keyof Totals)[]) if (cur[k] < prev[k]) return ZERO;
  return prev;
}

function average(timeUs: number, count: number): number | null {
  return count > 0 ? Math.round(timeUs / count) : null;
}

export class StatsHistory {
  readonly intervalMs: number;
  readonly capacity: number;
  /** When sampling began: the admin port's start, which the page shows as uptime. */
  readonly startedAt: number;
  private readonly ring: Ring<HistorySample>;
  private readonly now: () => number;
  private prev: { at: number; totals: Map<string, Totals> } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly inventory: Pick<Inventory, 'pools' | 'stats'>, opts: StatsHistoryOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 1000;
    this.capacity = opts.capacity ?? 600;
    this.ring = new Ring(this.capacity);
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** Takes the baseline now and a sample every interval; the timer never keeps the process alive. */
  start(): this {
    if (this.timer !== null) return this;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs).unref();
    return this;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads the inventory once; the first reading is only the baseline the next one's rates start from. */
  sample(): void {
    const at = this.now();
    const totals = totalsBySource(this.inventory);
    const prev = this.prev;
    this.prev = { at, totals };
    if (prev === null || at <= prev.at) return;
    const seconds = (at - prev.at) / 1000;
    const clients = new Map<string, { active: number; waiting: number }>();
    for (const p of this.inventory.pools()) {
      const c = clients.get(p.source) ?? { active: 0, waiting: 0 };
      c.active += p.clActive; c.waiting += p.clWaiting;
      clients.set(p.source, c);
    }
    const sources: SourceSample[] = [];
    for (const [source, cur] of totals) {
      const base = baseline(cur, prev.totals.get(source));
      const d = (k: keyof Totals) => cur[k] - base[k];
      sources.push({
        source,
        transactions: cur.transactions, queries: cur.queries, bytesIn: cur.bytesIn, bytesOut: cur.bytesOut,
        tps: d('transactions') / seconds, qps: d('queries') / seconds,
        bytesInPerSec: d('bytesIn') / seconds, bytesOutPerSec: d('bytesOut') / seconds,
        waitsPerSec: d('waitCount') / seconds,
        avgTransactionTimeUs: average(d('transactionTimeUs'), d('transactions')),
        avgQueryTimeUs: average(d('queryTimeUs'), d('queries')),
        avgWaitTimeUs: average(d('waitTimeUs'), d('waitCount')),
        clActive: clients.get(source)?.active ?? 0, clWaiting: clients.get(source)?.waiting ?? 0,
      });
    }
    this.ring.push({ at, sources });
  }

  /** Samples taken after `after` (ms since the epoch), oldest first: the page asks only for what it lacks. */
  samples(after = 0): HistorySample[] {
    return this.ring.toArray().filter((s) => s.at > after);
  }
}
