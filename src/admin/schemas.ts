/**
 * Response and parameter schemas of the admin HTTP API. Fastify validates and serializes with
 * them, and openapi.ts publishes the very same objects, so the document cannot drift.
 */
import { Type, type Static } from '@fastify/type-provider-typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const ErrorBody = Type.Object({
  code: Type.String({ description: 'Stable error code, e.g. SLUICE_ADMIN_NOT_FOUND' }),
  message: Type.String(),
  issues: Type.Optional(Type.Array(Type.String())),
}, { $id: 'Error' });

/** Every view names its source's protocol; ids of clients and servers are unique within one protocol. */
const Protocol = Type.Optional(Type.Union([Type.Literal('postgres'), Type.Literal('redis'), Type.Literal('mysql')], { description: 'The source\'s protocol; absent means postgres' }));

export const PoolItem = Type.Object({
  protocol: Protocol,
  source: Type.String(), user: Type.String(),
  mode: Type.Union([Type.Literal('session'), Type.Literal('transaction'), Type.Literal('statement')]),
  size: Type.Integer(),
  clActive: Type.Integer(), clWaiting: Type.Integer(), clIdle: Type.Integer(),
  svActive: Type.Integer(), svIdle: Type.Integer(), svUsed: Type.Integer(), svTested: Type.Integer(), svLogin: Type.Integer(),
  maxWaitUs: Type.Number({ description: 'Age of the oldest waiting client, microseconds' }),
  paused: Type.Boolean(),
  queueForecastSeconds: Type.Optional(Nullable(Type.Number({ description: 'Seconds until the wait queue starts to grow on the demand trend; 0 once clients queue, null while demand is flat or falling' }))),
});

export const ClientItem = Type.Object({
  protocol: Protocol,
  id: Type.Integer(), source: Type.String(), user: Type.String(),
  state: Type.Union([Type.Literal('active'), Type.Literal('waiting'), Type.Literal('idle'), Type.Literal('login')]),
  addr: Type.String(), port: Type.Integer(),
  connectedAt: Type.Number({ description: 'ms since the epoch' }),
  serverId: Nullable(Type.Integer()),
  applicationName: Type.String({ description: 'PostgreSQL application_name; Redis CLIENT SETNAME' }),
  localAddr: Type.Optional(Type.String({ description: 'The listener the client reached, for sources with their own (Redis)' })),
  localPort: Type.Optional(Type.Integer()),
  tls: Type.Optional(Type.String({ description: 'TLS version and cipher, e.g. TLSv1.3/TLS_AES_256_GCM_SHA384; empty in plain text' })),
});

export const ServerItem = Type.Object({
  protocol: Protocol,
  id: Type.Integer(), source: Type.String(), user: Type.String(), host: Type.String(),
  state: Type.Union([Type.Literal('active'), Type.Literal('idle'), Type.Literal('used'), Type.Literal('tested'), Type.Literal('login')]),
  connectedAt: Type.Number(), backendPid: Type.Integer({ description: 'PostgreSQL backend pid; Redis CLIENT ID' }),
  clientId: Nullable(Type.Integer()),
  preparedStatements: Type.Integer(),
  kind: Type.Optional(Type.Union([Type.Literal('shared'), Type.Literal('dedicated'), Type.Literal('subscriber')], { description: 'Redis: pipelined for many clients, leased to one, or pub/sub fan-out' })),
  clients: Type.Optional(Type.Integer({ description: 'Redis: clients served by the connection now' })),
  tls: Type.Optional(Type.String({ description: 'TLS version and cipher towards the server (server_tls); empty in plain text' })),
});

export const HostItem = Type.Object({
  protocol: Protocol,
  source: Type.String(), key: Type.String(), host: Type.String(), port: Type.Integer(),
  role: Type.String(), zone: Type.String(), weight: Type.Number(),
  disabled: Type.Boolean(), connections: Type.Integer(),
  up: Nullable(Type.Boolean({ description: 'Last connect to the host succeeded; null when none was tried' })),
  lastError: Nullable(Type.String()),
  health: Type.Object({
    state: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('down'), Type.Literal('half-open'), Type.Literal('draining')]),
    observedRole: Type.Union([Type.Literal('primary'), Type.Literal('replica'), Type.Literal('unknown')], { description: 'From probes (PostgreSQL pg_is_in_recovery, Redis ROLE); the configured role until the first probe' }),
    score: Type.Number({ description: 'Latency EWMA × (1 + in flight) ÷ weight; lower is better' }),
    latencyEwmaMs: Type.Number(), latencyStddevMs: Type.Number(),
    errorRate: Type.Number({ description: 'Failures ÷ outcomes over the sliding window' }),
    inFlight: Type.Integer(),
    lagSeconds: Nullable(Type.Number({ description: 'Replay lag of a replica; null on a primary or before a probe' })),
    poolUtilisation: Type.Number({ description: 'Server connections leased ÷ pool size over the host\'s pools; 1 is full, and routing then spills to the next zone tier' }),
    ejections: Type.Integer(), stateChanges: Type.Integer(),
  }),
});

export const StatsItem = Type.Object({
  protocol: Protocol,
  source: Type.String(), user: Type.String(),
  transactions: Type.Number(), queries: Type.Number(),
  bytesIn: Type.Number({ description: 'Bytes received from clients' }),
  bytesOut: Type.Number({ description: 'Bytes sent to clients' }),
  transactionTimeUs: Type.Number(), queryTimeUs: Type.Number(), waitTimeUs: Type.Number(),
  waitCount: Type.Number(), leases: Type.Number(),
  serverConnects: Type.Number(), serverConnectFailures: Type.Number(), poolTimeouts: Type.Number(),
  avgTransactionTimeUs: Type.Number(), avgQueryTimeUs: Type.Number(),
  avgWaitTimeUs: Type.Number({ description: 'Over leases that had to wait' }),
});

export const RedisSourceItem = Type.Object({
  source: Type.String(), clients: Type.Integer(), sharedConnections: Type.Integer(),
  dedicatedActive: Type.Integer(), dedicatedIdle: Type.Integer(), dedicatedSize: Type.Integer(),
  commands: Type.Number(), refused: Type.Number({ description: 'Commands refused by Sluice (SHUTDOWN, DEBUG, CONFIG SET...)' }),
  dedicatedLeases: Type.Number(), protocolErrors: Type.Number(),
  outputLimitCloses: Type.Number({ description: 'Clients closed for not reading their replies (client_output_limit)' }),
});

export const VersionBody = Type.Object({ name: Type.String(), version: Type.String(), node: Type.String() });

/** The running configuration with secrets masked; its shape is the configuration reference's. */
export const ConfigBody = Type.Object({}, { additionalProperties: true });

export const HealthBody = Type.Object({ ok: Type.Boolean() });
export const ReadyBody = Type.Object({ ready: Type.Boolean(), reasons: Type.Array(Type.String()) });

export const SourceParams = Type.Object({ name: Type.String() });
export const ClientParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export const HostParams = Type.Object({ source: Type.String(), key: Type.String({ description: 'host:port, as in /v1/hosts' }) });

export const PoolsControlBody = Type.Object({
  source: Type.String(),
  action: Type.String(),
  pools: Type.Array(PoolItem),
});
export const KillBody = Type.Object({ id: Type.Integer(), killed: Type.Boolean() });
/** Client ids are unique within a protocol: a Redis client is named with ?protocol=redis. */
export const KillQuery = Type.Object({ protocol: Type.Optional(Type.Union([Type.Literal('postgres'), Type.Literal('redis'), Type.Literal('mysql')], { default: 'postgres' })) });
export const HostControlBody = HostItem;
export const ReloadBody = Type.Object({ changes: Type.Array(Type.String()) });

export const OpenApiBody = Type.Object({}, { additionalProperties: true });

export type StatsItemT = Static<typeof StatsItem>;
