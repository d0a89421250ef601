/**
 * The active-probe loop, protocol-agnostic: every probe_interval, each host whose tracker
 * wants a probe gets one, bounded by probe_timeout through an AbortSignal. The protocol
 * supplies `probe` (PostgreSQL: `SELECT pg_is_in_recovery()` and replay lag). Probes of one
 * host never overlap: a probe still running when the next round comes is left to finish.
 * A host's tracker can ask for a probe now (a 25006 from a host thought primary): it runs at
 * once unless one is running or one started less than ON_DEMAND_GAP_MS ago, so a client
 * repeating the error cannot turn probing into a flood.
 */
import type { HostHealth } from './host-health.js';
import { realTimers, type Timers } from './timers.js';
import type { ProbeResult } from './types.js';

/** At most one probe asked for by traffic per host in this time. */
export const ON_DEMAND_GAP_MS = 100;

/** Must honour the signal: a probe that ignores it keeps its host from being probed again. */
export type ProbeFn<H> = (host: H, signal: AbortSignal) => Promise<ProbeResult>;

export interface ProbeTarget<H> {
  readonly host: H;
  readonly health: HostHealth;
}

export interface ProberOptions {
  intervalMs: number;
  timeoutMs: number;
  timers?: Timers;
  /** Milliseconds, for the on-demand gap; Date.now when omitted. */
  now?: () => number;
}

export class Prober<H> {
  /** Probes started, failed (error or timeout) and skipped because the previous one still ran. */
  started = 0;
  failed = 0;
  skipped = 0;
  /** Probes asked for by traffic rather than by the round. */
  onDemand = 0;

  private readonly targets: readonly ProbeTarget<H>[];
  private readonly probe: ProbeFn<H>;
  private readonly opts: ProberOptions;
  private readonly timers: Timers;
  private readonly now: () => number;
  private readonly running = new Map<ProbeTarget<H>, { abort: AbortController; done: Promise<void> }>();
  private round: unknown = null;
  private stopped = true;
  /** Wall-clock ms each host's last probe started, for the on-demand gap. */
  private readonly lastStart = new Map<ProbeTarget<H>, number>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(targets: readonly ProbeTarget<H>[], probe: ProbeFn<H>, opts: ProberOptions) {
    if (!(opts.intervalMs > 0 && opts.timeoutMs > 0)) throw new RangeError('probe interval and timeout must be positive');
    this.targets = targets;
    this.probe = probe;
    this.opts = opts;
    this.timers = opts.timers ?? realTimers;
    this.now = opts.now ?? Date.now;
  }

  /** Probe every host now, then every intervalMs until stop(). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const target of this.targets) this.unsubscribe.push(target.health.listen({ probeWanted: () => this.probeNow(target) }));
    this.tick();
  }

  /** No new rounds; running probes are aborted. Resolves once they have all settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const off of this.unsubscribe) off();
    this.unsubscribe.length = 0;
    if (this.round !== null) this.timers.clear(this.round);
    this.round = null;
    const pending = [...this.running.values()];
    for (const p of pending) p.abort.abort();
    await Promise.all(pending.map((p) => p.done));
  }

  /** Whether a probe of this host is in flight. */
  probing(target: ProbeTarget<H>): boolean { return this.running.has(target); }

  private tick(): void {
    for (const target of this.targets) {
      if (this.running.has(target)) this.skipped++;
      else if (target.health.wantsProbe()) this.launch(target);
    }
    this.round = this.timers.set(() => this.tick(), this.opts.intervalMs);
  }

  private probeNow(target: ProbeTarget<H>): void {
    if (this.stopped || this.running.has(target)) return;
    const last = this.lastStart.get(target);
    if (last !== undefined && this.now() - last < ON_DEMAND_GAP_MS) return;
    if (!target.health.wantsProbe()) return;
    this.onDemand++;
    this.launch(target);
  }

  private launch(target: ProbeTarget<H>): void {
    this.started++;
    this.lastStart.set(target, this.now());
    const abort = new AbortController();
    let timedOut = false;
    const health = target.health;
    // The failure counts at the deadline, not when a slow probe finally settles.
    const timer = this.timers.set(() => {
      timedOut = true;
      abort.abort();
      if (!this.stopped) this.fail(health, 'timeout');
    }, this.opts.timeoutMs);
    const done = (async () => {
      try {
        const result = await this.probe(target.host, abort.signal);
        if (!this.stopped && !timedOut) health.recordProbe(result);
      } catch {
        if (!this.stopped && !timedOut) this.fail(health, 'error');
      } finally {
        this.timers.clear(timer);
        this.running.delete(target);
      }
    })();
    this.running.set(target, { abort, done });
  }

  private fail(health: HostHealth, kind: 'timeout' | 'error'): void {
    this.failed++;
    health.recordProbeFailure(kind);
  }
}
