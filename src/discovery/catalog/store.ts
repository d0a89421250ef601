/**
 * The discovery catalog: runs, dataset versions, field analyses, relationships and change
 * events, in SQLite (a file path, the default) or PostgreSQL (a `postgres://` URL). One store
 * over a small SQL driver per backend; a run's whole version is written in one transaction
 * with its success, so readers never see half a run.
 */
import { DiscoveryError } from '../errors.js';
import type { SkippedDataset } from '../progress.js';
import { datasetId, type DatasetInfo, type Relationship } from '../types.js';
import { CATALOG_VERSION, POSTGRES_DDL, SQLITE_ADDED_COLUMNS, SQLITE_DDL } from './ddl.js';
import type { CatalogDiff } from './diff.js';
import { fingerprint } from './fingerprint.js';
import { describeCatalog, isPostgresCatalog } from './location.js';
import { PostgresDriver } from './postgres-driver.js';
import type { FieldAnalysis, RunRecord, RunStatus, RunTimings, RunTrigger, SourceSummary, StoredChange } from './records.js';
import type { SqlDriver, Statement } from './sql-driver.js';
import { SqliteDriver } from './sqlite-driver.js';

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

/** A lost catalog database (PostgreSQL restarting, a full disk) surfaces with the catalog's own code. */
function catalogFailed(err: unknown): never {
  throw new DiscoveryError('SLUICE_DISCOVERY_CATALOG', `the discovery catalog failed: ${(err as Error).message}`, { cause: err });
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

export interface RunOutcome {
  status: Exclude<RunStatus, 'running'>;
  error?: string;
  profiled?: number;
  skipped?: SkippedDataset[];
  timings?: RunTimings;
}

const SELECT_RUNS = `SELECT id, source, strategy, "trigger", status, started_at, finished_at, error, datasets, changed, profiled, skipped, changes, timings FROM runs`;
const FINISH_RUN = 'UPDATE runs SET status = ?, error = ?, profiled = ?, skipped = ?, timings = ?, finished_at = ? WHERE id = ?';
const LAST_SUCCEEDED = `SELECT max(id) AS id FROM runs WHERE source = ? AND status = 'succeeded'`;
/** Raises the recorded version, never lowers it: an older Sluice may still open the catalog it upgraded. */
const SET_VERSION = `INSERT INTO meta (key, value) VALUES ('version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value
  WHERE CAST(meta.value AS INTEGER) < CAST(excluded.value AS INTEGER)`;

/**
 * The service refreshes heartbeat_at of its runs in flight every HEARTBEAT_MS; a run whose last
 * beat is older than STALE_MS has lost its process (a crash, a kill, a restart) and will never
 * finish. Processes sharing a catalog each keep their own runs alive, so one opening the catalog
 * fails only orphans. Four missed beats: a catalog hiccup (PostgreSQL failing over, a lock wait)
 * or a stalled loop does not fail a live run, and an orphan is still failed within about 75 s
 * (the limit plus one beat). Beats carry each writer's clock, so the limit also absorbs clock
 * skew between hosts of up to about 45 s.
 */
export const HEARTBEAT_MS = 15_000;
export const STALE_MS = 4 * HEARTBEAT_MS;
const BEAT = `UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'`;
// A run recorded before heartbeats existed has none: its start stands in, so one from a
// process that is still running an older Sluice gets the same grace before it is failed.
const FAIL_STALE = `UPDATE runs SET status = 'failed', error = 'interrupted by a restart', finished_at = coalesce(heartbeat_at, started_at)
  WHERE status = 'running' AND coalesce(heartbeat_at, started_at) < ?`;

/** A column already there (a catalog upgraded before, or by a process opening it at the same time) is no error. */
async function addColumns(driver: SqlDriver, statements: readonly string[]): Promise<void> {
  for (const sql of statements) {
    await driver.batch([[sql, []]]).catch((err: unknown) => {
      if (!/duplicate column name/i.test((err as Error).message)) throw err;
    });
  }
}

export class CatalogStore {
  private readonly startup: Promise<void>;

  private constructor(private readonly driver: SqlDriver, readonly location: string, addedColumns: readonly string[], staleBefore: number | null) {
    const statements: Statement[] = [[SET_VERSION, [String(CATALOG_VERSION)]]];
    if (staleBefore !== null) statements.push([FAIL_STALE, [staleBefore]]);
    this.startup = addColumns(driver, addedColumns).then(() => driver.batch(statements)).catch((err: unknown) => {
      throw new DiscoveryError('SLUICE_DISCOVERY_CATALOG', `cannot open the discovery catalog at ${describeCatalog(location)}: ${(err as Error).message}; check discovery.catalog, that the database accepts the connection and that its user may create tables`, { cause: err });
    });
    this.startup.catch(() => {});
  }

  /**
   * A file path opens (or creates) a SQLite catalog at once and throws when it cannot; a
   * `postgres://` URL connects in the background: `opened()` says whether it could.
   * `recoverInterrupted: true` fails the runs whose process stopped beating (STALE_MS); a run's
   * worker thread passes false, as the service that started it checks already. `now` is the
   * clock that check reads, for tests.
   */
  static open(location: string, { recoverInterrupted = true, now = Date.now() } = {}): CatalogStore {
    const staleBefore = recoverInterrupted ? now - STALE_MS : null;
    if (isPostgresCatalog(location)) return new CatalogStore(new PostgresDriver(location, POSTGRES_DDL), location, [], staleBefore);
    try {
      return new CatalogStore(new SqliteDriver(location, SQLITE_DDL), location, SQLITE_ADDED_COLUMNS, staleBefore);
    } catch (err) {
      throw new DiscoveryError('SLUICE_DISCOVERY_CATALOG', `cannot open the discovery catalog at ${location}: ${(err as Error).message}; check discovery.catalog and the directory's permissions`, { cause: err });
    }
  }

  /** Resolves once the catalog is ready; rejects with SLUICE_DISCOVERY_CATALOG when it cannot be. */
  opened(): Promise<void> {
    return this.startup;
  }

  private async all<R>(sql: string, params: readonly (string | number | null)[] = []): Promise<R[]> {
    await this.startup;
    return this.driver.all<R>(sql, params).catch(catalogFailed);
  }

  private async get<R>(sql: string, params: readonly (string | number | null)[] = []): Promise<R | undefined> {
    return (await this.all<R>(sql, params))[0];
  }

  private async batch(statements: readonly Statement[]): Promise<void> {
    await this.startup;
    await this.driver.batch(statements).catch(catalogFailed);
  }

  async startRun(source: string, strategy: string, trigger: RunTrigger, at = Date.now()): Promise<number> {
    const row = await this.get<{ id: number }>(`INSERT INTO runs (source, strategy, "trigger", status, started_at, heartbeat_at) VALUES (?, ?, ?, 'running', ?, ?) RETURNING id`, [source, strategy, trigger, at, at]);
    return row!.id;
  }

  /**
   * Marks `ids` (this process's runs in flight) alive at `at`, then fails every run whose
   * process stopped beating, in one transaction: an orphan left by a restart quicker than
   * STALE_MS is not stale when the catalog opens, so the check is repeated with every beat.
   */
  async heartbeat(ids: readonly number[], at = Date.now()): Promise<void> {
    await this.batch([...ids.map((id): Statement => [BEAT, [at, id]]), [FAIL_STALE, [at - STALE_MS]]]);
  }

  private finishStatement(id: number, outcome: RunOutcome, at: number): Statement {
    return [FINISH_RUN, [outcome.status, outcome.error ?? null, outcome.profiled ?? 0, JSON.stringify(outcome.skipped ?? []), json(outcome.timings), at, id]];
  }

  async finishRun(id: number, outcome: RunOutcome, at = Date.now()): Promise<void> {
    await this.batch([this.finishStatement(id, outcome, at)]);
  }

  async run(id: number): Promise<RunRecord | null> {
    const row = await this.get<RunRow>(`${SELECT_RUNS} WHERE id = ?`, [id]);
    return row ? toRun(row) : null;
  }

  async runs(source: string | null, limit: number): Promise<RunRecord[]> {
    const rows = source === null
      ? await this.all<RunRow>(`${SELECT_RUNS} ORDER BY id DESC LIMIT ?`, [limit])
      : await this.all<RunRow>(`${SELECT_RUNS} WHERE source = ? ORDER BY id DESC LIMIT ?`, [source, limit]);
    return rows.map(toRun);
  }

  private async lastSucceeded(source: string): Promise<number | null> {
    return (await this.get<{ id: number | null }>(LAST_SUCCEEDED, [source]))?.id ?? null;
  }

  /** The datasets as the last successful run saw them. */
  async current(source: string): Promise<DatasetInfo[]> {
    const run = await this.lastSucceeded(source);
    if (run === null) return [];
    const rows = await this.all<{ info: string }>('SELECT info FROM dataset_versions WHERE source = ? AND last_run = ? ORDER BY dataset', [source, run]);
    return rows.map((r) => JSON.parse(r.info) as DatasetInfo);
  }

  /**
   * Records what run `runId` saw and the change events against the previous version, in one
   * transaction; the run is marked succeeded in the same transaction so `current` moves atomically.
   * Runs of one source are serial, so the previous version read first cannot move meanwhile.
   */
  async commitVersion(source: string, runId: number, datasets: readonly DatasetInfo[], diff: CatalogDiff, outcome: Omit<RunOutcome, 'status'>, at = Date.now()): Promise<void> {
    const previous = await this.lastSucceeded(source);
    const statements: Statement[] = [];
    for (const d of datasets) {
      const id = datasetId(d);
      const print = fingerprint(d);
      const info = JSON.stringify(d);
      // An unchanged dataset moves its version row on; a new or changed one gets a row of its own.
      if (previous !== null) statements.push(['UPDATE dataset_versions SET last_run = ?, info = ? WHERE source = ? AND dataset = ? AND last_run = ? AND fingerprint = ?', [runId, info, source, id, previous, print]]);
      // Typed casts: PostgreSQL would read untyped parameters of a SELECT list as text.
      statements.push([`INSERT INTO dataset_versions (source, dataset, fingerprint, info, first_run, last_run) SELECT ?, ?, ?, ?, CAST(? AS BIGINT), CAST(? AS BIGINT)
        WHERE NOT EXISTS (SELECT 1 FROM dataset_versions WHERE source = ? AND dataset = ? AND last_run = ?)`, [source, id, print, info, runId, runId, source, id, runId]]);
    }
    for (const c of diff.changes) {
      statements.push(['INSERT INTO changes (source, run_id, at, kind, dataset, field, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [source, runId, at, c.kind, c.dataset, c.field, json(c.before), json(c.after)]]);
    }
    statements.push(['UPDATE runs SET datasets = ?, changed = ?, changes = ? WHERE id = ?', [datasets.length, diff.changed.size, diff.changes.length, runId]]);
    statements.push(this.finishStatement(runId, { ...outcome, status: 'succeeded' }, at));
    await this.batch(statements);
  }

  async analysis(source: string, dataset: string): Promise<{ fingerprint: string; fields: Record<string, FieldAnalysis> } | null> {
    const row = await this.get<{ fingerprint: string; fields: string }>('SELECT fingerprint, fields FROM analyses WHERE source = ? AND dataset = ?', [source, dataset]);
    return row ? { fingerprint: row.fingerprint, fields: JSON.parse(row.fields) as Record<string, FieldAnalysis> } : null;
  }

  /** Fingerprint each dataset was last analysed at, without reading the analyses themselves. */
  async analysedFingerprints(source: string): Promise<Map<string, string>> {
    const rows = await this.all<{ dataset: string; fingerprint: string }>('SELECT dataset, fingerprint FROM analyses WHERE source = ?', [source]);
    return new Map(rows.map((r) => [r.dataset, r.fingerprint]));
  }

  async saveAnalysis(source: string, dataset: string, print: string, runId: number, fields: Record<string, FieldAnalysis>): Promise<void> {
    await this.batch([[`INSERT INTO analyses (source, dataset, fingerprint, run_id, fields) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (source, dataset) DO UPDATE SET fingerprint = excluded.fingerprint, run_id = excluded.run_id, fields = excluded.fields`, [source, dataset, print, runId, JSON.stringify(fields)]]]);
  }

  async saveRelationships(source: string, runId: number, items: readonly Relationship[]): Promise<void> {
    await this.batch([[`INSERT INTO relationships (source, run_id, items) VALUES (?, ?, ?)
      ON CONFLICT (source) DO UPDATE SET run_id = excluded.run_id, items = excluded.items`, [source, runId, JSON.stringify(items)]]]);
  }

  async relationships(source: string): Promise<Relationship[]> {
    const row = await this.get<{ items: string }>('SELECT items FROM relationships WHERE source = ?', [source]);
    return row ? JSON.parse(row.items) as Relationship[] : [];
  }

  async changes(source: string, since: number, limit: number): Promise<StoredChange[]> {
    const rows = await this.all<{ id: number; run_id: number; at: number; kind: StoredChange['kind']; dataset: string; field: string | null; before: string | null; after: string | null }>(
      'SELECT id, run_id, at, kind, dataset, field, before, after FROM changes WHERE source = ? AND at >= ? ORDER BY id LIMIT ?', [source, since, limit]);
    const parse = (v: string | null) => (v === null ? null : JSON.parse(v) as unknown);
    return rows.map((r) => ({ id: r.id, runId: r.run_id, at: r.at, kind: r.kind, dataset: r.dataset, field: r.field, before: parse(r.before), after: parse(r.after) }));
  }

  /** Current datasets of every source whose name, content or analysis mentions `q` (case-insensitive). */
  async search(q: string, limit: number): Promise<{ source: string; dataset: DatasetInfo; analysis: Record<string, FieldAnalysis> | null }[]> {
    const like = `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await this.all<{ source: string; info: string; analysis: string | null }>(`
      SELECT v.source, v.info, a.fields AS analysis FROM dataset_versions v
      JOIN (SELECT source, max(id) AS run FROM runs WHERE status = 'succeeded' GROUP BY source) r ON r.source = v.source AND r.run = v.last_run
      LEFT JOIN analyses a ON a.source = v.source AND a.dataset = v.dataset
      WHERE lower(v.dataset) LIKE ? ESCAPE '\\' OR lower(v.info) LIKE ? ESCAPE '\\' OR lower(a.fields) LIKE ? ESCAPE '\\'
      ORDER BY v.source, v.dataset LIMIT ?`, [like, like, like, limit]);
    return rows.map((r) => ({
      source: r.source,
      dataset: JSON.parse(r.info) as DatasetInfo,
      analysis: r.analysis === null ? null : JSON.parse(r.analysis) as Record<string, FieldAnalysis>,
    }));
  }

  async summaries(sources: readonly string[], now = Date.now()): Promise<SourceSummary[]> {
    return Promise.all(sources.map(async (source) => {
      const [last] = await this.runs(source, 1);
      const run = await this.lastSucceeded(source);
      const datasets = run === null ? 0 : (await this.get<{ n: number }>('SELECT count(*) AS n FROM dataset_versions WHERE source = ? AND last_run = ?', [source, run]))!.n;
      const recent = (await this.get<{ n: number }>('SELECT count(*) AS n FROM changes WHERE source = ? AND at >= ?', [source, now - DAY_MS]))!.n;
      return { source, lastRun: last ?? null, datasets, changesSinceDay: recent };
    }));
  }

  /** Totals for /metrics: runs by source and status, and change events by source. */
  async totals(): Promise<{ runs: { source: string; status: RunStatus; n: number }[]; changes: { source: string; n: number }[] }> {
    return {
      runs: await this.all('SELECT source, status, count(*) AS n FROM runs GROUP BY source, status'),
      changes: await this.all('SELECT source, count(*) AS n FROM changes GROUP BY source'),
    };
  }

  async close(): Promise<void> {
    await this.startup.catch(() => {});
    await this.driver.close();
  }
}
