import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { diffCatalog } from '../../src/discovery/catalog/diff.js';
import { describeCatalog } from '../../src/discovery/catalog/location.js';
import { CatalogStore } from '../../src/discovery/catalog/store.js';
import type { DatasetInfo, FieldInfo } from '../../src/discovery/types.js';
import { PG_ADMIN_USER, PG_HOST, PG_PORT, adminQuery } from '../helpers/postgres.js';

const field = (name: string, type = 'integer', position = 1): FieldInfo => ({ name, type, nullable: true, default: null, comment: null, position });
const table = (name: string, fields: FieldInfo[], extra: Partial<DatasetInfo> = {}): DatasetInfo => ({
  schema: 'public', name, kind: 'table', comment: null, rowEstimate: 10, fields,
  primaryKey: [], uniqueKeys: [], foreignKeys: [], indexes: [], partitions: [], ...extra,
});

// One temporary PostgreSQL database per test run, dropped at the end.
const DB = `sluice_catalog_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-catalog-'));
await adminQuery(`DROP DATABASE IF EXISTS ${DB}`);
await adminQuery(`CREATE DATABASE ${DB}`);
t.teardown(async () => {
  await adminQuery(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
});

/** Each backend hands out a fresh, empty catalog per call. */
const backends: Record<string, (name: string) => Promise<string>> = {
  sqlite: async (name) => join(dir, `${name}.db`),
  // A schema of its own in the run's database, chosen through the URL as an operator would.
  postgres: async (name) => {
    await inCatalogDb(`CREATE SCHEMA ${name}`);
    return `postgres://${PG_ADMIN_USER}@${PG_HOST}:${PG_PORT}/${DB}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
  },
};

for (const [backend, fresh] of Object.entries(backends)) {
  t.test(`${backend}: each run is a version; unchanged datasets share one row; changes are kept`, async (t) => {
    const location = await fresh(`versions_${backend}`);
    const store = CatalogStore.open(location);
    t.teardown(() => store.close());
    await store.opened();
    const v1 = [table('a', [field('id')]), table('b', [field('id')])];
    const r1 = await store.startRun('src', 'balanced', 'api', 1000);
    await store.commitVersion('src', r1, v1, diffCatalog([], v1), {}, 1000);
    const v2 = [table('a', [field('id'), field('x', 'text', 2)]), table('b', [field('id')], { rowEstimate: 77 })];
    const r2 = await store.startRun('src', 'balanced', 'schedule', 2000);
    t.ok(r2 > r1, 'run ids grow');
    t.match(await store.run(r2), { status: 'running', trigger: 'schedule', startedAt: 2000 });
    await store.commitVersion('src', r2, v2, diffCatalog(await store.current('src'), v2), { profiled: 1, timings: { connectMs: 1, introspectMs: 2, analyseMs: 3, relationshipsMs: 4, totalMs: 10 } }, 2000);
    t.match(await store.run(r2), { status: 'succeeded', datasets: 2, changed: 1, changes: 1, profiled: 1, finishedAt: 2000, timings: { totalMs: 10 } });
    t.strictSame((await store.current('src')).map((d) => [d.name, d.fields.length, d.rowEstimate]), [['a', 2, 10], ['b', 1, 77]]);
    t.strictSame((await store.changes('src', 1500, 10)).map((c) => [c.kind, c.field, c.runId, c.at]), [['field_added', 'x', r2, 2000]]);
    t.match(await store.changes('src', 1500, 10), [{ before: null, after: { type: 'text' } }], 'before and after come back as JSON');
    t.equal((await store.changes('src', 0, 10)).length, 3, 'the first run recorded both datasets as added');
    const failed = await store.startRun('src', 'balanced', 'api', 3000);
    await store.finishRun(failed, { status: 'failed', error: 'boom', skipped: [{ dataset: 'public.b', error: 'denied' }] }, 3001);
    t.match(await store.run(failed), { status: 'failed', error: 'boom', skipped: [{ dataset: 'public.b' }] });
    t.equal((await store.current('src')).length, 2, 'a failed run leaves the current version alone');
    t.match(await store.summaries(['src', 'other'], 3002), [{ source: 'src', datasets: 2, changesSinceDay: 3, lastRun: { id: failed, status: 'failed' } }, { source: 'other', datasets: 0, lastRun: null }]);
    t.strictSame((await store.runs('src', 2)).map((r) => r.id), [failed, r2], 'newest first');
    const totals = await store.totals();
    t.strictSame(totals.runs.map((r) => `${r.source}:${r.status}:${r.n}`).sort(), ['src:failed:1', 'src:succeeded:2'], 'counts are numbers in both backends');
    t.strictSame(totals.changes, [{ source: 'src', n: 3 }]);
    t.match(await store.search('X', 10), [{ source: 'src', dataset: { name: 'a' } }], 'search ignores case');
    t.strictSame(await store.search('100%_', 10), [], 'LIKE wildcards in the query are literal');
  });

  t.test(`${backend}: analyses, fingerprints and relationships are replaced, not duplicated`, async (t) => {
    const location = await fresh(`analyses_${backend}`);
    const store = CatalogStore.open(location);
    t.teardown(() => store.close());
    const profile = { sampled: 3, nullRatio: 0, distinctEstimate: 3, min: 1, max: 3, mean: 2, topValues: [], length: null };
    await store.saveAnalysis('src', 'public.a', 'f1', 1, { id: { profile, classifications: [] } });
    await store.saveAnalysis('src', 'public.a', 'f2', 2, { id: { profile: null, classifications: [{ type: 'email', confidence: 0.9, evidence: ['name'], sensitive: true }] } });
    t.strictSame(await store.analysedFingerprints('src'), new Map([['public.a', 'f2']]));
    t.match(await store.analysis('src', 'public.a'), { fingerprint: 'f2', fields: { id: { classifications: [{ type: 'email' }] } } });
    t.equal(await store.analysis('src', 'public.zz'), null);
    const rel = { from: { dataset: 'public.b', columns: ['a_id'] }, to: { dataset: 'public.a', columns: ['id'] }, declared: false, confidence: 0.9, evidence: ['name'] };
    await store.saveRelationships('src', 1, [rel]);
    await store.saveRelationships('src', 2, [rel, { ...rel, declared: true }]);
    t.equal((await store.relationships('src')).length, 2);
    t.strictSame(await store.relationships('nothing'), []);
  });

  t.test(`${backend}: a run left running by a crash is failed when the catalog reopens`, async (t) => {
    const location = await fresh(`crash_${backend}`);
    const first = CatalogStore.open(location);
    const id = await first.startRun('src', 'balanced', 'api');
    await first.close();
    const again = CatalogStore.open(location);
    t.teardown(() => again.close());
    t.match(await again.run(id), { status: 'failed', error: /restart/ });
  });
}

t.test('a catalog that cannot be opened fails with SLUICE_DISCOVERY_CATALOG, the password masked', async (t) => {
  t.throws(() => CatalogStore.open(join(dir, 'missing', 'dir', 'c.db')), { code: 'SLUICE_DISCOVERY_CATALOG' });
  const nowhere = CatalogStore.open(`postgres://sluice:hunter2@${PG_HOST}:${PG_PORT}/no_such_catalog_db`);
  t.teardown(() => nowhere.close());
  await t.rejects(nowhere.opened(), { code: 'SLUICE_DISCOVERY_CATALOG', message: /postgres:\/\/sluice:\*\*\*@127\.0\.0\.1:5432\/no_such_catalog_db/ });
  await t.rejects(nowhere.run(1), { code: 'SLUICE_DISCOVERY_CATALOG' }, 'every call says why');
  t.notOk(describeCatalog('postgresql://u:secret@h/db').includes('secret'));
  t.equal(describeCatalog('/var/lib/sluice/catalog.db'), '/var/lib/sluice/catalog.db');
});

async function inCatalogDb(sql: string): Promise<void> {
  const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: PG_ADMIN_USER, database: DB });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
