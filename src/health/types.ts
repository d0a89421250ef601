/**
 * Shared vocabulary of the health layer: the states a host moves through, what probes and
 * traffic report, and the read-only view the router scores hosts by. Protocol-agnostic.
 */

/** Time source; injected so tests and simulations are deterministic. Milliseconds. */
export interface Clock { now(): number }

/** Uniform in [0, 1); injected for jitter and power-of-two choices. */
export type RandomSource = () => number;

/**
 * healthy and degraded hosts take traffic (degraded only when no healthy host will do);
 * down hosts are ejected until their backoff ends, then half-open lets one probe through;
 * draining is an operator's hold that overrides the others until cleared.
 */
export type HealthState = 'healthy' | 'degraded' | 'down' | 'half-open' | 'draining';

/** What the host said about itself in its last probe (or what the config seeded). */
export type ObservedRole = 'primary' | 'replica' | 'unknown';

/**
 * Passive failure signals from traffic. `serverTerminated` is SQLSTATE 57P01-57P03,
 * `connectionLost` a broken socket or 08xxx, `readOnlyOnPrimary` a 25006 from a host
 * thought primary: not sickness, and not proof of a demotion either (a client's own read-only
 * transaction raises it on a primary), so it asks for an immediate probe of the host.
 */
export type FailureKind = 'connect' | 'connectionLost' | 'serverTerminated' | 'timeout' | 'readOnlyOnPrimary';

/** Why an active probe failed: it overran probe_timeout, or it errored. */
export type ProbeFailureKind = 'timeout' | 'error';

/** What a protocol's probe returns; null where the protocol or host cannot tell. */
export interface ProbeResult {
  readonly latencyMs: number;
  /** PostgreSQL pg_is_in_recovery(): true on a replica, false on a primary. */
  readonly inRecovery: boolean | null;
  /** Replay lag in seconds; null on a primary or when unknown. */
  readonly lagSeconds: number | null;
}

/** The figures host choice reads; HostHealth implements it without allocating. */
export interface HealthReading {
  readonly state: HealthState;
  readonly role: ObservedRole;
  /** Milliseconds; 0 until the first sample. */
  readonly latencyEwma: number;
  readonly inFlight: number;
  readonly lagSeconds: number | null;
  /** Leased ÷ size over the host's pools; 1 or more is saturated. Absent where no pool reports it. */
  readonly utilisation?: number;
}

/** One host's health as the admin API and /metrics show it. */
export interface HealthSnapshot extends HealthReading {
  readonly key: string;
  readonly score: number;
  /** EWMA of the squared deviation from latencyEwma, in ms². */
  readonly latencyVariance: number;
  /** Failures ÷ outcomes over the sliding window; 0 without outcomes. */
  readonly errorRate: number;
  /** Server connections leased ÷ pool size over every pool to the host. */
  readonly utilisation: number;
  readonly consecutiveFailures: number;
  /** Ejections since the host last stayed healthy for the ejection memory. */
  readonly ejectionStreak: number;
  /** Clock time when a down host becomes half-open; null unless down. */
  readonly retryAt: number | null;
  readonly ejections: number;
  readonly stateChanges: number;
  readonly roleChanges: number;
}
