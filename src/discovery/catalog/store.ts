/**
 * The discovery catalog in SQLite (better-sqlite3): runs, dataset versions, field analyses,
 * relationships and change events. Synchronous by design: each call is a short indexed
 * statement, and a run's whole version is written in one transaction so readers never see
 * half a run.
 */
import Database from 'better-sqlite3';
import { DiscoveryError } from '../errors.js';
import type { DatasetInfo, Relationship } from '../types.js';
import { datasetId } from '../types.js';
import { CATALOG_DDL, CATALOG_VERSION } from './ddl.js';
import type { CatalogDiff } from './diff.js';
import { fingerprint } from './fingerprint.js';
import type { SkippedDataset } from '../progress.js';
import type { FieldAnalysis, RunRecord, RunStatus, RunTimings, RunTrigger, SourceSummary, StoredChange } from './records.js';

interface RunRow {
  id: number; source: string; strategy: string; trigger: RunTrigger; status: RunStatus; started_at: number; finished_at: number | null;
  error: string | null; datasets: number; changed: number; profiled: number; skipped: string; changes: number; timings: string | null;
}

const DAY_MS = 86_400_000;

function toRun(r: RunRow): RunRecord {
  return {
    id: r.id, source: r.source, strategy: r.strategy, trigger: r.trigger, status: r.status, startedAt: r.started_at,
    finishedAt: r.finished_at, error: r.error, datasets: r.datasets, changed: r.changed, profiled: r.profiled,
    skipped: JSON.parse(r.skipped) as SkippedDataset[], changes: r.changes,
    timings: r.timings === null ? null : JSON.parse(r.timings) as RunTimings,
  };
}

export interface RunOutcome {
  status: Exclude<RunStatus, 'running'>;
  error?: string;
  profiled?: number;
  skipped?: SkippedDataset[];
  timings?: RunTimings;
}

export class CatalogStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(CATALOG_DDL);
      this.db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('version', String(CATALOG_VERSION));
      // A run still marked running was cut short by a restart; it will never finish.
      this.db.prepare(`UPDATE runs SET status = 'failed', error = 'interrupted by a restart', finished_at = started_at WHERE status = 'running'`).run();
    } catch (err) {
      throw new DiscoveryError('SLUICE_DISCOVERY_CATALOG', `cannot open the discovery catalog at ${path}: ${(err as Error).message}; check discovery.catalog and the directory's permissions`, { cause: err });
    }
  }

  startRun(source: string, strategy: string, trigger: RunTrigger, at = Date.now()): number {
    const info = this.db.prepare(`INSERT INTO runs (source, strategy, trigger, status, started_at) VALUES (?, ?, ?, 'running', ?)`).run(source, strategy, trigger, at);
    return Number(info.lastInsertRowid);
  }

  finishRun(id: number, outcome: RunOutcome, at = Date.now()): void {
    this.db.prepare('UPDATE runs SET status = ?, error = ?, profiled = ?, skipped = ?, timings = ?, finished_at = ? WHERE id = ?')
      .run(outcome.status, outcome.error ?? null, outcome.profiled ?? 0, JSON.stringify(outcome.skipped ?? []), outcome.timings ? JSON.stringify(outcome.timings) : null, at, id);
  }

  run(id: number): RunRecord | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row ? toRun(row) : null;
  }

  runs(source: string | null, limit: number): RunRecord[] {
    const rows = source === null
      ? this.db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT ?').all(limit)
      : this.db.prepare('SELECT * FROM runs WHERE source = ? ORDER BY id DESC LIMIT ?').all(source, limit);
    return (rows as RunRow[]).map(toRun);
  }

  private lastSucceeded(source: string): number | null {
    const row = this.db.prepare(`SELECT max(id) AS id FROM runs WHERE source = ? AND status = 'succeeded'`).get(source) as { id: number | null };
    return row.id;
  }

  /** The datasets as the last successful run saw them. */
  current(source: string): DatasetInfo[] {
    const run = this.lastSucceeded(source);
    if (run === null) return [];
    const rows = this.db.prepare('SELECT info FROM dataset_versions WHERE source = ? AND last_run = ? ORDER BY dataset').all(source, run) as { info: string }[];
    return rows.map((r) => JSON.parse(r.info) as DatasetInfo);
  }

  /**
   * Records what run `runId` saw and the change events against the previous version, in one
   * transaction; the run is marked succeeded in the same transaction so `current` moves atomically.
   */
  commitVersion(source: string, runId: number, datasets: readonly DatasetInfo[], diff: CatalogDiff, outcome: Omit<RunOutcome, 'status'>, at = Date.now()): void {
    const previous = this.lastSucceeded(source);
    const bump = this.db.prepare('UPDATE dataset_versions SET last_run = ?, info = ? WHERE source = ? AND dataset = ? AND last_run = ? AND fingerprint = ?');
    const insert = this.db.prepare('INSERT INTO dataset_versions (source, dataset, fingerprint, info, first_run, last_run) VALUES (?, ?, ?, ?, ?, ?)');
    const change = this.db.prepare('INSERT INTO changes (source, run_id, at, kind, dataset, field, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
    this.db.transaction(() => {
      for (const d of datasets) {
        const id = datasetId(d);
        const print = fingerprint(d);
        const info = JSON.stringify(d);
        const moved = previous === null ? 0 : bump.run(runId, info, source, id, previous, print).changes;
        if (moved === 0) insert.run(source, id, print, info, runId, runId);
      }
      for (const c of diff.changes) change.run(source, runId, at, c.kind, c.dataset, c.field, json(c.before), json(c.after));
      this.db.prepare(`UPDATE runs SET datasets = ?, changed = ?, changes = ? WHERE id = ?`).run(datasets.length, diff.changed.size, diff.changes.length, runId);
      this.finishRun(runId, { ...outcome, status: 'succeeded' }, at);
    })();
  }

  analysis(source: string, dataset: string): { fingerprint: string; fields: Record<string, FieldAnalysis> } | null {
    const row = this.db.prepare('SELECT fingerprint, fields FROM analyses WHERE source = ? AND dataset = ?').get(source, dataset) as { fingerprint: string; fields: string } | undefined;
    return row ? { fingerprint: row.fingerprint, fields: JSON.parse(row.fields) as Record<string, FieldAnalysis> } : null;
  }

  /** Fingerprint each dataset was last analysed at, without reading the analyses themselves. */
  analysedFingerprints(source: string): Map<string, string> {
    const rows = this.db.prepare('SELECT dataset, fingerprint FROM analyses WHERE source = ?').all(source) as { dataset: string; fingerprint: string }[];
    return new Map(rows.map((r) => [r.dataset, r.fingerprint]));
  }

  saveAnalysis(source: string, dataset: string, print: string, runId: number, fields: Record<string, FieldAnalysis>): void {
    this.db.prepare('INSERT OR REPLACE INTO analyses (source, dataset, fingerprint, run_id, fields) VALUES (?, ?, ?, ?, ?)').run(source, dataset, print, runId, JSON.stringify(fields));
  }

  saveRelationships(source: string, runId: number, items: readonly Relationship[]): void {
    this.db.prepare('INSERT OR REPLACE INTO relationships (source, run_id, items) VALUES (?, ?, ?)').run(source, runId, JSON.stringify(items));
  }

  relationships(source: string): Relationship[] {
    const row = this.db.prepare('SELECT items FROM relationships WHERE source = ?').get(source) as { items: string } | undefined;
    return row ? JSON.parse(row.items) as Relationship[] : [];
  }

  changes(source: string, since: number, limit: number): StoredChange[] {
    const rows = this.db.prepare('SELECT * FROM changes WHERE source = ? AND at >= ? ORDER BY id LIMIT ?').all(source, since, limit) as
      { id: number; run_id: number; at: number; kind: StoredChange['kind']; dataset: string; field: string | null; before: string | null; after: string | null }[];
    const parse = (v: string | null) => (v === null ? null : JSON.parse(v) as unknown);
    return rows.map((r) => ({ id: r.id, runId: r.run_id, at: r.at, kind: r.kind, dataset: r.dataset, field: r.field, before: parse(r.before), after: parse(r.after) }));
  }

  /** Current datasets of every source whose name, content or analysis mentions `q` (case-insensitive). */
  search(q: string, limit: number): { source: string; dataset: DatasetInfo; analysis: Record<string, FieldAnalysis> | null }[] {
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = this.db.prepare(`
      SELECT v.source, v.info, a.fields AS analysis FROM dataset_versions v
      JOIN (SELECT source, max(id) AS run FROM runs WHERE status = 'succeeded' GROUP BY source) r ON r.source = v.source AND r.run = v.last_run
      LEFT JOIN analyses a ON a.source = v.source AND a.dataset = v.dataset
      WHERE v.dataset LIKE ? ESCAPE '\\' OR v.info LIKE ? ESCAPE '\\' OR a.fields LIKE ? ESCAPE '\\'
      ORDER BY v.source, v.dataset LIMIT ?`).all(like, like, like, limit) as { source: string; info: string; analysis: string | null }[];
    return rows.map((r) => ({
      source: r.source,
      dataset: JSON.parse(r.info) as DatasetInfo,
      analysis: r.analysis === null ? null : JSON.parse(r.analysis) as Record<string, FieldAnalysis>,
    }));
  }

  summaries(sources: readonly string[], now = Date.now()): SourceSummary[] {
    return sources.map((source) => {
      const [last] = this.runs(source, 1);
      const run = this.lastSucceeded(source);
      const datasets = run === null ? 0 : (this.db.prepare('SELECT count(*) AS n FROM dataset_versions WHERE source = ? AND last_run = ?').get(source, run) as { n: number }).n;
      const recent = (this.db.prepare('SELECT count(*) AS n FROM changes WHERE source = ? AND at >= ?').get(source, now - DAY_MS) as { n: number }).n;
      return { source, lastRun: last ?? null, datasets, changesSinceDay: recent };
    });
  }

  /** Totals for /metrics: runs by source and status, and change events by source. */
  totals(): { runs: { source: string; status: RunStatus; n: number }[]; changes: { source: string; n: number }[] } {
    return {
      runs: this.db.prepare('SELECT source, status, count(*) AS n FROM runs GROUP BY source, status').all() as { source: string; status: RunStatus; n: number }[],
      changes: this.db.prepare('SELECT source, count(*) AS n FROM changes GROUP BY source').all() as { source: string; n: number }[],
    };
  }

  close(): void {
    this.db.close();
  }
}
