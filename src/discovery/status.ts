/**
 * Discovery as the status page shows it, one call for every source: the last run (with its
 * progress while it runs), the next scheduled run, and a digest of the latest changes. The
 * digest is of the newest run that recorded changes; a finished run never changes, so its
 * digest is computed once and kept, and a page polling every second costs a few indexed reads.
 */
import type { ChangeKind } from './catalog/diff.js';
import type { DiscoveryService, RunView } from './service.js';

/** Change events listed per source; the counts cover all of the run's events. */
export const LATEST_CHANGES = 5;
/** Runs looked back through for the newest one with changes (older ones are kept once seen). */
const RUNS_LOOKED_AT = 100;

export interface ChangeDigest {
  runId: number;
  at: number;
  total: number;
  byKind: Partial<Record<ChangeKind, number>>;
  /** The run's last LATEST_CHANGES events, newest first. */
  latest: { kind: ChangeKind; dataset: string; field: string | null }[];
}

export interface SourceDiscoveryStatus {
  source: string;
  /** Datasets in the current catalog version. */
  datasets: number;
  changesSinceDay: number;
  lastRun: RunView | null;
  nextRunAt: number | null;
  latestChanges: ChangeDigest | null;
}

export class DiscoveryStatus {
  private readonly digests = new Map<string, ChangeDigest>();

  constructor(private readonly service: DiscoveryService) {}

  async sources(): Promise<SourceDiscoveryStatus[]> {
    const s = this.service;
    const summaries = await s.catalog.summaries(s.sourceNames());
    const out: SourceDiscoveryStatus[] = [];
    for (const x of summaries) {
      out.push({
        source: x.source, datasets: x.datasets, changesSinceDay: x.changesSinceDay,
        lastRun: x.lastRun && await s.run(x.lastRun.id), nextRunAt: s.nextRunAt(x.source), latestChanges: await this.digest(x.source),
      });
    }
    return out;
  }

  private async digest(source: string): Promise<ChangeDigest | null> {
    const kept = this.digests.get(source) ?? null;
    const runs = await this.service.catalog.runs(source, RUNS_LOOKED_AT);
    const run = runs.find((r) => r.status === 'succeeded' && r.changes > 0 && (kept === null || r.id > kept.runId));
    if (run === undefined) return kept;
    // Runs of one source are serial and a run's events are written at its commit, so the events
    // from its start on begin with its own; `changes` of them are exactly the run's.
    const events = (await this.service.catalog.changes(source, run.startedAt, run.changes)).filter((c) => c.runId === run.id);
    const byKind: ChangeDigest['byKind'] = {};
    for (const c of events) byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
    const latest = events.slice(-LATEST_CHANGES).reverse().map((c) => ({ kind: c.kind, dataset: c.dataset, field: c.field }));
    const digest = { runId: run.id, at: events[0]?.at ?? run.finishedAt ?? run.startedAt, total: events.length, byKind, latest };
    this.digests.set(source, digest);
    return digest;
  }
}
