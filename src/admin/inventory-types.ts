/**
 * The read model every admin view shares (HTTP API, Prometheus, PgBouncer console): one
 * source of truth read from the live pools, sessions and hosts on demand, never a copy kept
 * up to date on the forwarding path. Field names follow PgBouncer's SHOW output where one exists.
 */
import type { LatencyHistogram } from '../pool/latency-histogram.js';

/** The wire protocol of a source; views without one are PostgreSQL's. */
export type ViewProtocol = 'postgres' | 'redis' | 'mysql';

/** What a Redis server connection is for: shared (pipelined by many clients), dedicated (leased), subscriber (pub/sub fan-out). */
export type RedisConnectionKind = 'shared' | 'dedicated' | 'subscriber';

export interface PoolView {
  protocol?: ViewProtocol;
  source: string;
  user: string;
  mode: 'session' | 'transaction' | 'statement';
  size: number;
  /** Clients logged in to this pool holding a server now. */
  clActive: number;
  /** Clients waiting for a server. */
  clWaiting: number;
  /** Clients logged in and idle (no server, not waiting). */
  clIdle: number;
  svActive: number;
  svIdle: number;
  /** Idle server connections not yet checked after their last use (PgBouncer sv_used). */
  svUsed: number;
  svTested: number;
  svLogin: number;
  /** Oldest wait in the queue now, in microseconds. */
  maxWaitUs: number;
  paused: boolean;
  /**
   * Seconds until the wait queue starts to grow on the demand trend of the last minutes
   * (pool/queue-forecast.ts): 0 once clients queue, null while demand is flat or falling.
   */
  queueForecastSeconds?: number | null;
}

export interface ClientView {
  protocol?: ViewProtocol;
  /** Unique within its protocol. */
  id: number;
  source: string;
  user: string;
  state: 'active' | 'waiting' | 'idle' | 'login';
  addr: string;
  port: number;
  connectedAt: number;
  /** Server connection id while one is attached. */
  serverId: number | null;
  applicationName: string;
  /** Where the client connected to, when not the PostgreSQL listener (each Redis source has its own). */
  localAddr?: string;
  localPort?: number;
  /** "TLSv1.3/TLS_AES_256_GCM_SHA384" over TLS (PgBouncer's tls column); absent or empty in plain text. */
  tls?: string;
}

export interface ServerView {
  protocol?: ViewProtocol;
  id: number;
  source: string;
  user: string;
  host: string;
  state: 'active' | 'idle' | 'used' | 'tested' | 'login';
  connectedAt: number;
  backendPid: number;
  clientId: number | null;
  preparedStatements: number;
  /** Redis only: the connection's use, and how many clients share it (shared connections). */
  kind?: RedisConnectionKind;
  clients?: number;
  /** As ClientView.tls, for the connection towards the server (server_tls). */
  tls?: string;
}

export interface HostView {
  protocol?: ViewProtocol;
  source: string;
  key: string;
  host: string;
  port: number;
  role: string;
  zone: string;
  weight: number;
  disabled: boolean;
  connections: number;
  /** Outcome of the last connect a pool made to this host: null when none was tried yet. */
  up?: boolean | null;
  /** Message of that connect when it failed. */
  lastError?: string | null;
  /** From traffic and probes (src/health); absent where a protocol keeps none. */
  health?: HostHealthView;
}

export interface HostHealthView {
  state: 'healthy' | 'degraded' | 'down' | 'half-open' | 'draining';
  /** From probes (PostgreSQL pg_is_in_recovery, Redis ROLE); the configured role until the first probe. */
  observedRole: 'primary' | 'replica' | 'unknown';
  /** Latency EWMA × (1 + in flight) ÷ weight: lower is better. */
  score: number;
  latencyEwmaMs: number;
  latencyStddevMs: number;
  /** Failures ÷ outcomes over the sliding window. */
  errorRate: number;
  inFlight: number;
  /** Replay lag of a replica in seconds; null on a primary or before a probe. */
  lagSeconds: number | null;
  /** Server connections leased ÷ pool size over the host's pools; 1 is full (saturated). */
  poolUtilisation: number;
  ejections: number;
  stateChanges: number;
}

/** Totals since start per (source, user), as in SHOW STATS_TOTALS; averages are derived. */
export interface StatsView {
  protocol?: ViewProtocol;
  source: string;
  user: string;
  transactions: number;
  queries: number;
  bytesIn: number;
  bytesOut: number;
  /** Sums in microseconds. */
  transactionTimeUs: number;
  queryTimeUs: number;
  waitTimeUs: number;
  /** Leases that had to queue (waitTimeUs is over these; the fast path never waits). */
  waitCount?: number;
  /** Leases handed out. */
  leases?: number;
  /** Server logins that succeeded and failed, and waiters refused by query_wait_timeout. */
  serverConnects?: number;
  serverConnectFailures?: number;
  poolTimeouts?: number;
}

/** A Redis source's figures: clients, connections and command counters since start. */
export interface RedisSourceView {
  source: string;
  clients: number;
  sharedConnections: number;
  /** Dedicated connections (MULTI, blocking commands, ...) by state. */
  dedicatedActive: number;
  dedicatedIdle: number;
  dedicatedSize: number;
  commands: number;
  refused: number;
  dedicatedLeases: number;
  protocolErrors: number;
  outputLimitCloses: number;
}

/** A pool's latency histograms, for Prometheus. */
export interface LatencyView {
  protocol?: ViewProtocol;
  source: string;
  user: string;
  transaction: LatencyHistogram;
  query: LatencyHistogram;
  /** Waits of leases that queued; `unqueuedLeases` more waited zero. */
  queuedWait: LatencyHistogram;
  unqueuedLeases: number;
}

/** Clients Sluice refused after they named a source (bad password, login timeout, no server). */
export interface LoginFailureView {
  protocol?: ViewProtocol;
  source: string;
  count: number;
}

export interface Inventory {
  pools(): PoolView[];
  clients(): ClientView[];
  servers(): ServerView[];
  hosts(): HostView[];
  stats(): StatsView[];
}
