/**
 * Schemas of the discovery routes (routes-discovery.ts). Fastify serializes responses with
 * them, so every key the API returns is listed; `before`/`after` of a change are free-form.
 */
import { Type } from '@fastify/type-provider-typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Strategy = Type.Union([Type.Literal('conservative'), Type.Literal('balanced'), Type.Literal('aggressive')]);

export const DiscoverParams = Type.Object({ name: Type.String() });
export const DiscoverBody = Type.Object({ strategy: Type.Optional(Strategy) }, { additionalProperties: false });
export const DiscoverReply = Type.Object({ runId: Type.Integer(), source: Type.String() });

const Timings = Type.Object({
  connectMs: Type.Number(), introspectMs: Type.Number(), analyseMs: Type.Number(), relationshipsMs: Type.Number(), totalMs: Type.Number(),
});

const Skipped = Type.Array(Type.Object({ dataset: Type.String(), error: Type.String() }), { description: 'Datasets the server refused to sample; tried again next run' });

const Progress = Type.Object({
  phase: Type.String(), datasets: Type.Integer(), toProfile: Type.Integer(), profiled: Type.Integer(), slowdowns: Type.Integer(),
  paused: Type.Boolean({ description: 'Paused by an operator (POST /v1/discovery/runs/{id}/pause): no new statement starts until resumed' }),
  pausedMs: Type.Number({ description: 'Time the run has spent held by pauses, counted from when its statement in flight finished' }),
  skipped: Skipped,
});

export const RunBody = Type.Object({
  id: Type.Integer(), source: Type.String(), strategy: Type.String(),
  trigger: Type.Union([Type.Literal('api'), Type.Literal('schedule')]),
  status: Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]),
  startedAt: Type.Number({ description: 'ms since the epoch' }), finishedAt: Nullable(Type.Number()),
  error: Nullable(Type.String()),
  datasets: Type.Integer(), changed: Type.Integer({ description: 'Datasets added or changed' }), profiled: Type.Integer(), skipped: Skipped, changes: Type.Integer(),
  timings: Nullable(Timings),
  progress: Nullable(Progress),
});

export const RunParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export const RunsQuery = Type.Object({ source: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })) });

export const SourceSummaryItem = Type.Object({
  source: Type.String(), lastRun: Nullable(RunBody), datasets: Type.Integer(), changesSinceDay: Type.Integer(),
});

const ChangeKind = Type.String({ description: 'dataset_added, dataset_removed, dataset_changed, field_added, field_removed or field_changed' });

export const SourceStatusItem = Type.Object({
  source: Type.String(), datasets: Type.Integer(), changesSinceDay: Type.Integer(), lastRun: Nullable(RunBody),
  nextRunAt: Nullable(Type.Number({ description: 'When the schedule starts the next run, ms since the epoch; null: on demand only' })),
  latestChanges: Nullable(Type.Object({
    runId: Type.Integer({ description: 'The newest run that recorded changes' }), at: Type.Number(), total: Type.Integer(),
    byKind: Type.Record(Type.String(), Type.Integer()),
    latest: Type.Array(Type.Object({ kind: ChangeKind, dataset: Type.String(), field: Nullable(Type.String()) }), { description: 'Its last few events, newest first' }),
  })),
});

export const DiscoveryStatusBody = Type.Object({
  enabled: Type.Boolean({ description: 'False without a discovery: section (sources is then empty)' }),
  sources: Type.Array(SourceStatusItem),
});

const Classification = Type.Object({ type: Type.String(), confidence: Type.Number(), evidence: Type.Array(Type.String()), sensitive: Type.Boolean() });
const Scalar = Nullable(Type.Union([Type.String(), Type.Number()]));
const Profile = Type.Object({
  sampled: Type.Integer(), nullRatio: Type.Number(), distinctEstimate: Type.Integer(), min: Scalar, max: Scalar, mean: Nullable(Type.Number()),
  topValues: Type.Array(Type.Object({ value: Type.String(), count: Type.Integer() })),
  length: Nullable(Type.Object({ min: Type.Number(), max: Type.Number(), mean: Type.Number() })),
});
const Distribution = Nullable(Type.Object({ min: Type.Number(), p50: Type.Number(), p90: Type.Number(), max: Type.Number(), mean: Type.Number() }));

const End = Type.Object({ dataset: Type.String(), columns: Type.Array(Type.String()) });
export const RelationshipItem = Type.Object({ from: End, to: End, declared: Type.Boolean(), confidence: Type.Number(), evidence: Type.Array(Type.String()) });

export const CatalogField = Type.Object({
  name: Type.String(), type: Type.String(), nullable: Type.Boolean(), default: Nullable(Type.String()), comment: Nullable(Type.String()),
  profile: Nullable(Profile), classifications: Type.Array(Classification),
  typeFrequencies: Type.Optional(Type.Record(Type.String(), Type.Integer(), { description: 'Schema-less sources: sampled records per type at this path (`missing`: without it)' })),
});

export const CatalogDataset = Type.Object({
  name: Type.String({ description: 'schema.name' }), schema: Type.String(), table: Type.String(), kind: Type.String(),
  comment: Nullable(Type.String()), rowEstimate: Nullable(Type.Number()),
  fields: Type.Array(CatalogField),
  primaryKey: Type.Array(Type.String()), uniqueKeys: Type.Array(Type.Array(Type.String())),
  foreignKeys: Type.Array(Type.Object({ name: Type.String(), columns: Type.Array(Type.String()), refDataset: Type.String(), refColumns: Type.Array(Type.String()) })),
  indexes: Type.Array(Type.Object({ name: Type.String(), columns: Type.Array(Type.String()), unique: Type.Boolean(), primary: Type.Boolean(), method: Nullable(Type.String()) })),
  partitions: Type.Array(Type.String()),
  relationships: Type.Array(RelationshipItem, { description: 'Relationships that start or end here' }),
  keyPattern: Type.Optional(Type.Object({
    sampledKeys: Type.Integer(), estimatedKeys: Type.Integer(), types: Type.Record(Type.String(), Type.Integer()), persistent: Type.Integer(),
    ttlSeconds: Distribution, memoryBytes: Distribution, examples: Type.Array(Type.String()),
  })),
});


export const CatalogBody = Type.Object({ source: Type.String(), datasets: Type.Array(CatalogDataset), relationships: Type.Array(RelationshipItem) });

export const ChangesQuery = Type.Object({
  since: Type.Optional(Type.String({ pattern: '^(\\d+|\\d{4}-\\d{2}-\\d{2}([T ][0-9:.]+(Z|[+-]\\d{2}:?\\d{2})?)?)$', description: 'ISO 8601 time or ms since the epoch; default: 24 hours ago' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1000 })),
});
export const ChangeItem = Type.Object({
  id: Type.Integer(), runId: Type.Integer(), at: Type.Number(),
  kind: ChangeKind,
  dataset: Type.String(), field: Nullable(Type.String()), before: Type.Unknown(), after: Type.Unknown(),
});

export const SearchQuery = Type.Object({ q: Type.String({ minLength: 1 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) });
export const SearchItem = Type.Object({
  source: Type.String(), dataset: Type.String(), kind: Type.String(),
  fields: Type.Array(Type.String(), { description: 'Fields whose name, type, comment or classification matched' }),
});
