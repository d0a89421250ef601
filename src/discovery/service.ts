/**
 * Discovery in a running Sluice: owns the catalog, starts runs on demand and on each source's
 * schedule (one at a time per source), each in a worker thread of its own (run-thread), and
 * answers the admin API's questions from the catalog plus the progress of runs in flight.
 * The main thread only records runs, feeds each worker the throttle's signals (host health,
 * this loop's delay, live traffic's transaction time to the same host) and keeps the progress
 * the worker posts.
 */
import type { Logger } from 'pino';
import type { SourceConfig } from '../config/types.js';
import type { HealthReading } from '../health/types.js';
import type { RunRecord, RunTrigger } from './catalog/records.js';
import { CatalogStore, HEARTBEAT_MS } from './catalog/store.js';
import { BUILTIN_RULES, glossaryRule } from './classify/rules.js';
import type { DiscoveryConfig } from './config.js';
import type { DiscoveryTarget } from './connector.js';
import { DiscoveryError } from './errors.js';
import { LoopDelayMonitor } from './loop-monitor.js';
import { newProgress, type RunProgress } from './progress.js';
import { runInWorker } from './run-thread.js';
import { STRATEGY_PRESETS, type Strategy, type StrategyName } from './strategy.js';
import { discoveryTarget } from './target.js';
import { TrafficWindow, type TrafficTotals } from './traffic-window.js';

export interface DiscoveryDeps {
  config(): DiscoveryConfig;
  sources(): Record<string, SourceConfig>;
  /** Health of the host discovery connects to, from src/health; null where none is kept. */
  health(source: string, host: string, port: number): HealthReading | null;
  /**
   * Running totals of the transactions Sluice's pools have carried to that host (any source
   * served by it); null where it pools none. Absent: the throttle goes without that signal.
   */
  traffic?(host: string, port: number): TrafficTotals | null;
  log: Logger;
}

interface ActiveRun { id: number; progress: RunProgress; abort: AbortController; done: Promise<void> }

/** A source's schedule: its interval, the timer, and when the timer fires next (for the status page). */
interface Schedule { every: number; timer: NodeJS.Timeout; nextAt: number }

export type RunView = RunRecord & { progress: RunProgress | null };

export class DiscoveryService {
  readonly catalog: CatalogStore;
  /** The catalog file this service opened; a reload that names another one opens a new service. */
  readonly catalogPath: string;
  /** The proxy's own loop delay, one of the throttle's signals. */
  private readonly loop: LoopDelayMonitor;
  private readonly active = new Map<string, ActiveRun>();
  private readonly schedules = new Map<string, Schedule>();
  /** Keeps this process's runs alive in the catalog and fails orphaned ones (CatalogStore.heartbeat). */
  private readonly beats: NodeJS.Timeout;
  /** The beat in flight: a tick while it waits on the catalog adds none, and close() waits for it. */
  private beat: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly deps: DiscoveryDeps) {
    this.catalogPath = deps.config().catalog;
    this.catalog = CatalogStore.open(this.catalogPath);
    // After the catalog: a catalog that cannot be opened leaves no sampler running.
    this.loop = new LoopDelayMonitor();
    // Beats also while idle: an orphan not yet stale when the catalog opened is failed by a later one.
    this.beats = setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    this.beats.unref();
    this.schedule();
  }

  private heartbeat(): void {
    if (this.beat !== null) return;
    // 0: a run being recorded; startRun gives it its first beat.
    const ids = [...this.active.values()].map((r) => r.id).filter((id) => id !== 0);
    this.beat = this.catalog.heartbeat(ids)
      .catch((err: unknown) => this.deps.log.warn({ err }, 'discovery heartbeat not recorded in the catalog'))
      .finally(() => { this.beat = null; });
  }

  /** Sources discovery may run on: configured, enabled and of a kind it has a connector for. */
  sourceNames(): string[] {
    const settings = this.deps.config().sources;
    return Object.values(this.deps.sources()).filter((s) => settings[s.name]?.enabled !== false && discoveryTarget(s) !== null).map((s) => s.name);
  }

  /** Starts a run and returns its id once the catalog has recorded it; the run continues in the background. */
  async trigger(source: string, strategy?: StrategyName, trigger: RunTrigger = 'api'): Promise<number> {
    const config = this.deps.sources()[source];
    const settings = this.deps.config().sources[source];
    if (!config || this.closed) throw new DiscoveryError('SLUICE_DISCOVERY_UNSUPPORTED', `no source named "${source}"`);
    if (settings?.enabled === false) throw new DiscoveryError('SLUICE_DISCOVERY_UNSUPPORTED', `discovery is disabled for source "${source}" (discovery.sources.${source}.enabled)`);
    const target = discoveryTarget(config);
    if (!target) throw new DiscoveryError('SLUICE_DISCOVERY_UNSUPPORTED', `source "${source}" has no host or user discovery could connect with`);
    const running = this.active.get(source);
    if (running) throw new DiscoveryError('SLUICE_DISCOVERY_BUSY', `source "${source}" is being discovered${running.id === 0 ? '' : ` by run ${running.id}`}; wait for it to finish`);
    const chosen = STRATEGY_PRESETS[strategy ?? settings?.strategy ?? this.deps.config().strategy];
    const progress = newProgress();
    const abort = new AbortController();
    // The source is taken before the catalog is written to, so two triggers cannot both start; id 0 until recorded.
    const entry: ActiveRun = { id: 0, progress, abort, done: Promise.resolve() };
    const recorded = this.catalog.startRun(source, chosen.name, trigger);
    entry.done = recorded.then((id) => {
      entry.id = id;
      return this.execute(id, target, chosen, trigger, entry);
    }, () => {}).finally(() => this.active.delete(source));
    this.active.set(source, entry);
    return recorded;
  }

  private async execute(id: number, target: DiscoveryTarget, chosen: Strategy, trigger: RunTrigger, { progress, abort }: ActiveRun): Promise<void> {
    const rules = [...BUILTIN_RULES, ...this.deps.config().rules, ...this.deps.config().glossary.map(glossaryRule)];
    const log = this.deps.log.child({ source: target.source, run: id });
    log.info({ strategy: chosen.name, trigger, host: `${target.host}:${target.port}` }, 'discovery run started');
    // Per run, and read only by the feed timer of a run in flight.
    const traffic = new TrafficWindow();
    try {
      await runInWorker({
        job: { runId: id, target, strategy: chosen, catalog: this.catalogPath, rules, redactSensitive: this.deps.config().redact_sensitive },
        signals: () => ({
          host: this.deps.health(target.source, target.host, target.port),
          loopDelayMs: this.loop.delayMs(),
          traffic: traffic.sample(this.deps.traffic?.(target.host, target.port) ?? null, Date.now()),
        }),
        progress, signal: abort.signal,
      });
      const run = await this.catalog.run(id);
      log.info({ datasets: run?.datasets, changed: run?.changed, profiled: run?.profiled, ms: run?.timings?.totalMs }, 'discovery run finished');
    } catch (err) {
      progress.phase = 'failed';
      const code = err instanceof DiscoveryError ? err.code : 'SLUICE_DISCOVERY_QUERY';
      log.warn({ err, code }, 'discovery run failed');
      // A worker stopped after it committed (cancelled in its last moment) leaves a succeeded run as it is.
      await this.recordFailure(id, `${code}: ${(err as Error).message}`)
        .catch((saveErr: unknown) => log.error({ err: saveErr }, 'discovery run failure not recorded in the catalog'));
    }
  }

  private async recordFailure(id: number, error: string): Promise<void> {
    if ((await this.catalog.run(id))?.status !== 'running') return;
    await this.catalog.finishRun(id, { status: 'failed', error });
  }

  async run(id: number): Promise<RunView | null> {
    const record = await this.catalog.run(id);
    if (!record) return null;
    const active = this.active.get(record.source);
    return { ...record, progress: active?.id === id ? active.progress : null };
  }

  /**
   * Pauses or resumes the run in flight with this id, as an operator holds it through a peak:
   * its worker starts no new statement until resumed. False when no run of that id is in flight
   * in this process.
   */
  setPaused(id: number, paused: boolean): boolean {
    for (const [source, run] of this.active) {
      if (run.id !== id) continue;
      if (run.progress.paused !== paused) this.deps.log.info({ source, run: id }, paused ? 'discovery run paused' : 'discovery run resumed');
      run.progress.paused = paused;
      return true;
    }
    return false;
  }

  /** Resolves when the source's run in flight (if any) has ended, whatever its outcome. */
  async settled(source: string): Promise<void> {
    await this.active.get(source)?.done;
  }

  /** The id of the source's run in flight, or null. */
  activeRun(source: string): number | null {
    // 0: a run being recorded, not yet a run.
    return this.active.get(source)?.id || null;
  }

  /** When the source's schedule next fires (ms since the epoch); null when it runs on demand only. */
  nextRunAt(source: string): number | null {
    return this.schedules.get(source)?.nextAt ?? null;
  }

  /**
   * Arms each source's schedule from the current settings (at start and after every reload).
   * A source whose interval is unchanged keeps its timer, so an unrelated reload does not push
   * its next run back; runs in flight continue either way.
   */
  schedule(): void {
    const settings = this.deps.config().sources;
    const wanted = new Map<string, number>();
    for (const name of this.sourceNames()) {
      const every = settings[name]?.schedule ?? 0;
      if (every > 0) wanted.set(name, every);
    }
    for (const [name, s] of this.schedules) {
      if (wanted.get(name) === s.every) continue;
      clearInterval(s.timer);
      this.schedules.delete(name);
    }
    for (const [name, every] of wanted) {
      if (this.schedules.has(name)) continue;
      const entry: Schedule = { every, nextAt: Date.now() + every, timer: setInterval(() => {
        entry.nextAt = Date.now() + every;
        if (this.active.has(name)) return;
        this.trigger(name, undefined, 'schedule').catch((err: unknown) => {
          this.deps.log.warn({ err, source: name }, 'scheduled discovery run not started');
        });
      }, every) };
      // A schedule alone must not keep the process alive at shutdown.
      entry.timer.unref();
      this.schedules.set(name, entry);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.beats);
    for (const s of this.schedules.values()) clearInterval(s.timer);
    this.schedules.clear();
    for (const run of this.active.values()) run.abort.abort();
    await Promise.all([...this.active.values()].map((r) => r.done));
    this.loop.stop();
    await this.beat;
    await this.catalog.close();
  }
}
