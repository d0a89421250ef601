/**
 * The catalog's tables. A dataset version row lives from the run that first saw its
 * fingerprint (first_run) to the last run that still saw it (last_run): a run that changes
 * nothing only moves last_run, so keeping every version costs one row per change, not per run.
 */
export const CATALOG_VERSION = 1;

export const CATALOG_DDL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source TEXT NOT NULL, strategy TEXT NOT NULL, trigger TEXT NOT NULL, status TEXT NOT NULL,
  started_at INTEGER NOT NULL, finished_at INTEGER, error TEXT,
  datasets INTEGER NOT NULL DEFAULT 0, changed INTEGER NOT NULL DEFAULT 0,
  profiled INTEGER NOT NULL DEFAULT 0, skipped TEXT NOT NULL DEFAULT '[]', changes INTEGER NOT NULL DEFAULT 0, timings TEXT
);
CREATE INDEX IF NOT EXISTS runs_source ON runs (source, id);
CREATE TABLE IF NOT EXISTS dataset_versions (
  source TEXT NOT NULL, dataset TEXT NOT NULL, fingerprint TEXT NOT NULL, info TEXT NOT NULL,
  first_run INTEGER NOT NULL, last_run INTEGER NOT NULL,
  PRIMARY KEY (source, dataset, first_run)
);
CREATE INDEX IF NOT EXISTS dataset_versions_current ON dataset_versions (source, last_run);
CREATE TABLE IF NOT EXISTS analyses (
  source TEXT NOT NULL, dataset TEXT NOT NULL, fingerprint TEXT NOT NULL, run_id INTEGER NOT NULL, fields TEXT NOT NULL,
  PRIMARY KEY (source, dataset)
);
CREATE TABLE IF NOT EXISTS relationships (source TEXT PRIMARY KEY, run_id INTEGER NOT NULL, items TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, run_id INTEGER NOT NULL, at INTEGER NOT NULL,
  kind TEXT NOT NULL, dataset TEXT NOT NULL, field TEXT, before TEXT, after TEXT
);
CREATE INDEX IF NOT EXISTS changes_source ON changes (source, at);
`;
