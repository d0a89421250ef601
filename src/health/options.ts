/**
 * Tunables of one host's health tracker, with defaults chosen for a primary/replica
 * PostgreSQL cluster reached over a LAN or within a cloud region.
 */
export interface HealthOptions {
  /** Weight of each new latency sample in the EWMA; see alphaForHalfLife. */
  latencyAlpha: number;
  /** Length of the sliding error-rate window. */
  errorWindowMs: number;
  /** Time buckets in the window: the window slides by errorWindowMs / errorBuckets. */
  errorBuckets: number;
  /** Fewer outcomes than this in the window never degrade a host: one failure of two is noise. */
  errorRateMinSamples: number;
  /** Error rate at or above which a host is degraded. */
  degradedErrorRate: number;
  /** Latency EWMA at or above which a host is degraded; 0 leaves slowness to the score alone. */
  degradedLatencyMs: number;
  /** Consecutive passive failures (connect, lost, terminated, timeout) that eject a host. */
  ejectAfterFailures: number;
  /** Consecutive failed probes that eject a host. */
  ejectAfterProbeFailures: number;
  /** Backoff of the first ejection; each further one in a streak doubles it. */
  ejectBaseMs: number;
  ejectMaxMs: number;
  /** Fraction of the backoff taken off at random, so hosts ejected together retry apart. */
  ejectJitter: number;
  /** A host healthy this long forgets its ejection streak, so its next backoff starts at the base again. */
  ejectionMemoryMs: number;
}

export const DEFAULT_HEALTH_OPTIONS: Readonly<HealthOptions> = Object.freeze({
  latencyAlpha: 0.2,
  errorWindowMs: 10_000,
  errorBuckets: 10,
  errorRateMinSamples: 10,
  degradedErrorRate: 0.1,
  degradedLatencyMs: 0,
  ejectAfterFailures: 5,
  ejectAfterProbeFailures: 2,
  ejectBaseMs: 1_000,
  ejectMaxMs: 60_000,
  ejectJitter: 0.2,
  ejectionMemoryMs: 300_000,
});

/** The EWMA alpha under which a sample's weight halves after `samples` newer samples. */
export function alphaForHalfLife(samples: number): number {
  return 1 - Math.pow(0.5, 1 / Math.max(samples, 1e-9));
}

export function healthOptions(overrides: Partial<HealthOptions> = {}): HealthOptions {
  const o = { ...DEFAULT_HEALTH_OPTIONS, ...overrides };
  if (!(o.latencyAlpha > 0 && o.latencyAlpha <= 1)) throw new RangeError(`latencyAlpha must be in (0, 1], got ${o.latencyAlpha}`);
  if (!(o.errorBuckets >= 1 && o.errorWindowMs >= o.errorBuckets)) throw new RangeError('errorWindowMs must be at least errorBuckets milliseconds');
  if (!(o.ejectBaseMs > 0 && o.ejectMaxMs >= o.ejectBaseMs)) throw new RangeError('ejectMaxMs must be at least ejectBaseMs, both positive');
  if (!(o.ejectJitter >= 0 && o.ejectJitter < 1)) throw new RangeError(`ejectJitter must be in [0, 1), got ${o.ejectJitter}`);
  return o;
}
