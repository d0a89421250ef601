/** Schemas of GET /v1/stats/history (stats-history.ts); published in the OpenAPI document like schemas.ts. */
import { Type } from '@fastify/type-provider-typebox';

const PerInterval = (description: string) => Type.Union([Type.Number(), Type.Null()], { description: `${description}; null when none finished in the interval` });

export const SourceSampleItem = Type.Object({
  source: Type.String(),
  transactions: Type.Number({ description: 'Total since start' }),
  queries: Type.Number({ description: 'Total since start' }),
  bytesIn: Type.Number({ description: 'Bytes received from clients, total since start' }),
  bytesOut: Type.Number({ description: 'Bytes sent to clients, total since start' }),
  tps: Type.Number({ description: 'Transactions per second over the interval before this sample' }),
  qps: Type.Number({ description: 'Queries per second over the interval' }),
  bytesInPerSec: Type.Number(),
  bytesOutPerSec: Type.Number(),
  waitsPerSec: Type.Number({ description: 'Leases per second that had to queue (the weight of avgWaitTimeUs)' }),
  avgTransactionTimeUs: PerInterval('Average transaction time over the interval, microseconds'),
  avgQueryTimeUs: PerInterval('Average query time over the interval, microseconds'),
  avgWaitTimeUs: PerInterval('Average wait of leases that queued over the interval, microseconds'),
  clActive: Type.Integer({ description: 'Clients holding a server at the sampling instant' }),
  clWaiting: Type.Integer({ description: 'Clients waiting for a server at the sampling instant' }),
});

export const HistorySampleItem = Type.Object({
  at: Type.Number({ description: 'ms since the epoch' }),
  sources: Type.Array(SourceSampleItem),
});

export const HistoryQuery = Type.Object({
  since: Type.Optional(Type.Number({ minimum: 0, description: 'Only samples taken after this instant (ms since the epoch)' })),
});

export const HistoryBody = Type.Object({
  intervalMs: Type.Integer({ description: 'Time between samples' }),
  capacity: Type.Integer({ description: 'Samples kept; older ones are dropped' }),
  startedAt: Type.Number({ description: 'When sampling (and the admin port) started, ms since the epoch' }),
  now: Type.Number({ description: 'Server clock at the response, ms since the epoch' }),
  samples: Type.Array(HistorySampleItem, { description: 'Oldest first' }),
});
