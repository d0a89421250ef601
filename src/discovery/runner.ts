/**
 * One discovery run of one source: connect, read the catalog, diff against the last version,
 * sample and analyse only datasets whose fingerprint changed (or that were never analysed),
 * infer relationships, and commit the new version with its change events in one transaction.
 */
import { analyse } from './analysis.js';
import { diffCatalog } from './catalog/diff.js';
import { fingerprint } from './catalog/fingerprint.js';
import type { RunTimings } from './catalog/records.js';
import type { CatalogStore } from './catalog/store.js';
import type { ClassificationRule } from './classify/rules.js';
import type { Connector, DiscoveryTarget } from './connector.js';
import type { ConnectorFactory } from './connectors/index.js';
import { DiscoveryError } from './errors.js';
import { SKIPPED_KEPT, type RunProgress } from './progress.js';
import { declaredRelationships, inferCandidates, inferredRelationship, type Candidate } from './relationships.js';
import type { Strategy, ThrottleSignals } from './strategy.js';
import { Throttle } from './throttle.js';
import { datasetId, type DatasetInfo, type DatasetSample, type Relationship } from './types.js';

/** Child values checked per inferred key. */
const CONTAINMENT_VALUES = 100;
/** Inferred relationships below this are not kept. */
const MIN_RELATIONSHIP_CONFIDENCE = 0.5;

export interface RunContext {
  runId: number;
  target: DiscoveryTarget;
  strategy: Strategy;
  catalog: CatalogStore;
  connect: ConnectorFactory;
  /** Read before each statement; fed by the proxy's main thread while the run is in a worker. */
  signals: () => ThrottleSignals;
  rules: ClassificationRule[];
  redactSensitive: boolean;
  signal: AbortSignal;
  progress: RunProgress;
}

type ChildValues = Map<string, Map<string, string[]>>;

export async function executeRun(ctx: RunContext): Promise<void> {
  const source = ctx.target.source;
  const started = Date.now();
  const throttle = new Throttle(ctx.strategy, ctx.signals, ctx.signal, ctx.progress);
  const { strategy: s } = ctx;
  const connector = await ctx.connect(ctx.target, {
    statementTimeoutMs: s.statementTimeoutMs, lanes: s.concurrency, maxValueLength: s.maxValueLength, scanCount: s.scanCount, sampleKeys: s.sampleKeys,
    sampleObjects: s.sampleObjects, sampleBytes: s.sampleBytes, sampleRows: s.sampleRows,
    pace: () => throttle.gate(),
  });
  try {
    const connected = Date.now();
    ctx.progress.phase = 'introspecting';
    const datasets = await connector.introspect();
    ctx.progress.datasets = datasets.length;
    const introspected = Date.now();
    const diff = diffCatalog(await ctx.catalog.current(source), datasets);
    const candidates = inferCandidates(datasets);
    const wanted = new Map<string, Set<string>>();
    for (const c of candidates) wanted.set(datasetId(c.child), (wanted.get(datasetId(c.child)) ?? new Set()).add(c.column));
    const analysedAt = await ctx.catalog.analysedFingerprints(source);
    const todo = datasets.filter((d) => (d.kind !== 'view' || s.sampleViews) && analysedAt.get(datasetId(d)) !== fingerprint(d));
    ctx.progress.phase = 'profiling';
    ctx.progress.toProfile = todo.length;
    const values: ChildValues = new Map();
    await eachLimited(todo, s.concurrency, throttle, async (d) => {
      if (await analyseDataset(ctx, connector, d, wanted.get(datasetId(d)), values)) ctx.progress.profiled++;
    });
    const analysed = Date.now();
    ctx.progress.phase = 'relationships';
    const relationships = await relate(ctx, connector, throttle, datasets, candidates, values);
    const related = Date.now();
    ctx.progress.phase = 'saving';
    const timings: RunTimings = { connectMs: connected - started, introspectMs: introspected - connected, analyseMs: analysed - introspected, relationshipsMs: related - analysed, totalMs: Date.now() - started };
    await ctx.catalog.saveRelationships(source, ctx.runId, relationships);
    await ctx.catalog.commitVersion(source, ctx.runId, datasets, diff, { profiled: ctx.progress.profiled, skipped: ctx.progress.skipped, timings });
    ctx.progress.phase = 'done';
  } finally {
    await connector.close();
  }
}

/** Samples and analyses one dataset; false when the server refused the sample (recorded as skipped). */
async function analyseDataset(ctx: RunContext, connector: Connector, d: DatasetInfo, keep: Set<string> | undefined, values: ChildValues): Promise<boolean> {
  let sample: DatasetSample;
  try {
    sample = await connector.sample(d, ctx.strategy.sampleRows);
  } catch (err) {
    if (!(err instanceof DiscoveryError) || err.code !== 'SLUICE_DISCOVERY_SAMPLE') throw err;
    if (ctx.progress.skipped.length < SKIPPED_KEPT) ctx.progress.skipped.push({ dataset: datasetId(d), error: err.message });
    return false;
  }
  const types = new Map(d.fields.map((f) => [f.name, f.type]));
  const analysis = analyse({
    fields: sample.fields.map((name) => ({ name, type: types.get(name) ?? '' })),
    values: sample.values as (string | null)[][],
    rowEstimate: d.rowEstimate,
    rules: ctx.rules,
    redactSensitive: ctx.redactSensitive,
  });
  await ctx.catalog.saveAnalysis(ctx.target.source, datasetId(d), fingerprint(d), ctx.runId, analysis);
  if (!keep) return true;
  const byColumn = new Map<string, string[]>();
  sample.fields.forEach((name, i) => {
    if (!keep.has(name)) return;
    const distinct = new Set((sample.values[i] ?? []).filter((v): v is string => typeof v === 'string'));
    byColumn.set(name, [...distinct].slice(0, CONTAINMENT_VALUES));
  });
  values.set(datasetId(d), byColumn);
  return true;
}

/**
 * Declared keys always; inferred ones checked by containment when this run sampled the child,
 * otherwise carried over from the last run (neither end changed, so neither did the evidence).
 */
async function relate(ctx: RunContext, connector: Connector, throttle: Throttle, datasets: readonly DatasetInfo[], candidates: readonly Candidate[], values: ChildValues): Promise<Relationship[]> {
  const previous = new Map((await ctx.catalog.relationships(ctx.target.source)).filter((r) => !r.declared).map((r) => [relKey(r.from.dataset, r.from.columns[0]!, r.to.dataset), r]));
  const out = declaredRelationships(datasets);
  for (const c of candidates) {
    const childValues = values.get(datasetId(c.child))?.get(c.column);
    let rel: Relationship;
    if (childValues === undefined) rel = previous.get(relKey(datasetId(c.child), c.column, datasetId(c.parent))) ?? inferredRelationship(c, null, 0);
    else if (childValues.length === 0) rel = inferredRelationship(c, null, 0);
    else {
      await throttle.gate();
      const found = await connector.countPresent(c.parent, c.parentColumn, childValues).catch((err: unknown) => {
        // A lookup the server refused (values that do not cast to the key's type) leaves the name as the only evidence.
        if (err instanceof DiscoveryError && err.code === 'SLUICE_DISCOVERY_SAMPLE') return null;
        throw err;
      });
      rel = inferredRelationship(c, found === null ? null : found / childValues.length, childValues.length);
    }
    if (rel.confidence >= MIN_RELATIONSHIP_CONFIDENCE) out.push(rel);
  }
  return out;
}

function relKey(child: string, column: string, parent: string): string {
  return `${child}\u0000${column}\u0000${parent}`;
}

/** Runs `work` over items with as many at once as the throttle allows, each after its gate. */
async function eachLimited<T>(items: readonly T[], lanes: number, throttle: Throttle, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async (index: number): Promise<void> => {
    while (next < items.length && !failed) {
      await throttle.gate(index);
      if (next >= items.length || failed) return;
      // One failure ends the run; the other lanes stop taking work rather than query a closing connection.
      await work(items[next++]!).catch((err: unknown) => {
        failed = true;
        throw err;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, lanes) }, (_, i) => lane(i)));
}
