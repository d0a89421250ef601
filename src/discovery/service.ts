/**
 * Discovery in a running Sluice: owns the catalog and the analysis workers, starts runs on
 * demand and on each source's schedule (one at a time per source), and answers the admin
 * API's questions from the catalog plus the progress of runs in flight.
 */
import type { Logger } from 'pino';
import type { SourceConfig } from '../config/types.js';
import type { HealthReading } from '../health/types.js';
import { workerAnalyzer, type Analyzer } from './analyzer.js';
import type { RunRecord, RunTrigger } from './catalog/records.js';
import { CatalogStore } from './catalog/store.js';
import { BUILTIN_RULES, glossaryRule } from './classify/rules.js';
import type { DiscoveryConfig } from './config.js';
import { connect as connectSource, type ConnectorFactory } from './connectors/index.js';
import { DiscoveryError } from './errors.js';
import { newProgress, type RunProgress } from './progress.js';
import { executeRun } from './runner.js';
import { STRATEGY_PRESETS, type StrategyName } from './strategy.js';
import { discoveryTarget } from './target.js';

export interface DiscoveryDeps {
  config(): DiscoveryConfig;
  sources(): Record<string, SourceConfig>;
  /** Health of the host discovery connects to, from src/health; null where none is kept. */
  health(source: string, host: string, port: number): HealthReading | null;
  log: Logger;
  connect?: ConnectorFactory;
  analyzer?: Analyzer;
}

interface ActiveRun { id: number; progress: RunProgress; abort: AbortController; done: Promise<void> }

export type RunView = RunRecord & { progress: RunProgress | null };

export class DiscoveryService {
  readonly catalog: CatalogStore;
  private readonly analyzer: Analyzer;
  private readonly active = new Map<string, ActiveRun>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly deps: DiscoveryDeps) {
    this.catalog = new CatalogStore(deps.config().catalog);
    this.analyzer = deps.analyzer ?? workerAnalyzer();
    this.schedule();
  }

  /** Sources discovery may run on: configured, enabled and of a kind it has a connector for. */
  sourceNames(): string[] {
    const settings = this.deps.config().sources;
    return Object.values(this.deps.sources()).filter((s) => settings[s.name]?.enabled !== false && discoveryTarget(s) !== null).map((s) => s.name);
  }

  /** Starts a run and returns its id at once; the run continues in the background. */
  trigger(source: string, strategy?: StrategyName, trigger: RunTrigger = 'api'): number {
    const config = this.deps.sources()[source];
    const settings = this.deps.config().sources[source];
    if (!config || this.closed) throw new DiscoveryError('SLUICE_DISCOVERY_UNSUPPORTED', `no source named "${source}"`);
    if (settings?.enabled === false) throw new DiscoveryError('SLUICE_DISCOVERY_UNSUPPORTED', `discovery is disabled for source "${source}" (discovery.sources.${source}.enabled)`);
    const target = discoveryTarget(config);
    if (!target) throw new DiscoveryError('SLUICE_DISCOVERY_UNSUPPORTED', `source "${source}" has no host or user discovery could connect with`);
    const running = this.active.get(source);
    if (running) throw new DiscoveryError('SLUICE_DISCOVERY_BUSY', `source "${source}" is being discovered by run ${running.id}; wait for it to finish`);
    const chosen = STRATEGY_PRESETS[strategy ?? settings?.strategy ?? this.deps.config().strategy];
    const id = this.catalog.startRun(source, chosen.name, trigger);
    const progress = newProgress();
    const abort = new AbortController();
    const rules = [...BUILTIN_RULES, ...this.deps.config().rules, ...this.deps.config().glossary.map(glossaryRule)];
    const log = this.deps.log.child({ source, run: id });
    log.info({ strategy: chosen.name, trigger, host: `${target.host}:${target.port}` }, 'discovery run started');
    const done = executeRun({
      runId: id, target, strategy: chosen, catalog: this.catalog, analyzer: this.analyzer, connect: this.deps.connect ?? connectSource,
      health: () => this.deps.health(source, target.host, target.port), rules, redactSensitive: this.deps.config().redact_sensitive,
      signal: abort.signal, progress,
    }).then(() => {
      const run = this.catalog.run(id);
      log.info({ datasets: run?.datasets, changed: run?.changed, profiled: run?.profiled, ms: run?.timings?.totalMs }, 'discovery run finished');
    }, (err: unknown) => {
      progress.phase = 'failed';
      const code = err instanceof DiscoveryError ? err.code : 'SLUICE_DISCOVERY_QUERY';
      this.catalog.finishRun(id, { status: 'failed', error: `${code}: ${(err as Error).message}` });
      log.warn({ err, code }, 'discovery run failed');
    }).finally(() => this.active.delete(source));
    this.active.set(source, { id, progress, abort, done });
    return id;
  }

  run(id: number): RunView | null {
    const record = this.catalog.run(id);
    if (!record) return null;
    const active = this.active.get(record.source);
    return { ...record, progress: active?.id === id ? active.progress : null };
  }

  /** Resolves when the source's run in flight (if any) has ended, whatever its outcome. */
  async settled(source: string): Promise<void> {
    await this.active.get(source)?.done;
  }

  /** Re-arms schedules after a reload; runs in flight continue. */
  schedule(): void {
    for (const t of this.timers.values()) clearInterval(t);
    this.timers.clear();
    const settings = this.deps.config().sources;
    for (const name of this.sourceNames()) {
      const every = settings[name]?.schedule ?? 0;
      if (every <= 0) continue;
      const timer = setInterval(() => {
        if (this.active.has(name)) return;
        try {
          this.trigger(name, undefined, 'schedule');
        } catch (err) {
          this.deps.log.warn({ err, source: name }, 'scheduled discovery run not started');
        }
      }, every);
      // A schedule alone must not keep the process alive at shutdown.
      timer.unref();
      this.timers.set(name, timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearInterval(t);
    for (const run of this.active.values()) run.abort.abort();
    await Promise.all([...this.active.values()].map((r) => r.done));
    await this.analyzer.close();
    this.catalog.close();
  }
}
