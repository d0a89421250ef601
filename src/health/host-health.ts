/**
 * One host's health: latency EWMA and variance, error rate over a sliding window, in-flight
 * work, pool utilisation, replication lag and observed role, fed by passive signals from
 * traffic and by active probes, and the state machine the router obeys:
 *
 *   healthy ⇄ degraded      error rate (or latency EWMA) crosses its threshold, with hysteresis
 *   healthy|degraded → down  consecutive traffic failures or failed probes; backoff grows per ejection
 *   down → half-open         backoff over (seen by refresh(), which the prober calls each round)
 *   half-open → healthy      a probe succeeds;  half-open → down: a probe fails, longer backoff
 *   draining                 an operator's hold over all of the above, until cleared
 *
 * Every method takes its time from the injected clock; nothing here starts a timer.
 */
import { ejectionBackoffMs } from './backoff.js';
import { ErrorWindow } from './error-window.js';
import { LatencyEwma } from './latency-ewma.js';
import { healthOptions, type HealthOptions } from './options.js';
import { loadScore } from './score.js';
import type {
  Clock, FailureKind, HealthReading, HealthSnapshot, HealthState, ObservedRole, ProbeFailureKind, ProbeResult, RandomSource,
} from './types.js';

/** The health condition underneath an operator's drain. */
type Condition = 'healthy' | 'degraded' | 'down' | 'half-open';

/** A degraded host recovers below this share of the thresholds that degraded it, so it does not flap. */
const HYSTERESIS = 0.8;

/** Listeners are called synchronously inside the recording call; keep them short. */
export interface HealthListener {
  stateChanged?(host: HostHealth, from: HealthState, to: HealthState, reason: string): void;
  roleChanged?(host: HostHealth, from: ObservedRole, to: ObservedRole, reason: string): void;
  /** Traffic says the host may have changed; the prober probes it now rather than at its next round. */
  probeWanted?(host: HostHealth, reason: string): void;
}

export interface HostHealthInit {
  clock: Clock;
  /** For ejection jitter; Math.random when omitted. */
  random?: RandomSource;
  options?: Partial<HealthOptions>;
  /** Seeds the observed role until the first probe: a configured primary is trusted as one. */
  role?: ObservedRole;
  /** The host's configured weight, for the score in snapshots. */
  weight?: number;
}

export class HostHealth implements HealthReading {
  readonly key: string;
  readonly options: HealthOptions;
  weight: number;
  /** Where utilisation is read from: set by the pools' owner, read when routing or a view asks. */
  utilisationOf: () => number = () => 0;
  ejections = 0;
  stateChanges = 0;
  roleChanges = 0;
  /** Times each state was entered, for a labelled counter. */
  readonly entered: Record<HealthState, number> = { healthy: 0, degraded: 0, down: 0, 'half-open': 0, draining: 0 };

  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly latency: LatencyEwma;
  private readonly errors: ErrorWindow;
  private readonly listeners: HealthListener[] = [];
  private condition: Condition = 'healthy';
  private draining = false;
  private observedRole: ObservedRole;
  private lag: number | null = null;
  private active = 0;
  private failuresInARow = 0;
  private probeFailuresInARow = 0;
  private streak = 0;
  private downUntil = 0;
  /** Clock time the host last became healthy; the ejection streak is forgotten after ejectionMemoryMs of it. */
  private healthySince: number;

  constructor(key: string, init: HostHealthInit) {
    this.key = key;
    this.clock = init.clock;
    this.random = init.random ?? Math.random;
    this.options = healthOptions(init.options);
    this.weight = init.weight ?? 1;
    this.observedRole = init.role ?? 'unknown';
    this.latency = new LatencyEwma(this.options.latencyAlpha);
    this.errors = new ErrorWindow(this.options.errorWindowMs, this.options.errorBuckets);
    this.healthySince = this.clock.now();
  }

  get state(): HealthState { return this.draining ? 'draining' : this.condition; }
  get role(): ObservedRole { return this.observedRole; }
  get latencyEwma(): number { return this.latency.mean; }
  get latencyVariance(): number { return this.latency.variance; }
  get inFlight(): number { return this.active; }
  get lagSeconds(): number | null { return this.lag; }
  get score(): number { return loadScore(this.latency.mean, this.active, this.weight); }
  /** Leased ÷ size over the host's pools, computed on read so the lease path pays nothing. */
  get utilisation(): number { return this.utilisationOf(); }
  errorRate(): number { return this.errors.rate(this.clock.now()); }

  /** Subscribe to state and role changes; returns the unsubscribe function. */
  listen(listener: HealthListener): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  /** A unit of work was sent to this host. */
  begin(): void { this.active++; }

  /** A unit of work on this host ended, however it ended. */
  end(): void { if (this.active > 0) this.active--; }

  recordSuccess(latencyMs: number): void {
    const now = this.clock.now();
    this.latency.add(latencyMs);
    this.errors.success(now);
    this.failuresInARow = 0;
    // Called per query: a success cannot raise the error rate, so a healthy host needs the
    // window summed only when latency may degrade it or an old ejection streak may be forgotten.
    if (this.condition === 'healthy' && this.options.degradedLatencyMs <= 0 && this.streak === 0) return;
    this.evaluate(now);
  }

  recordFailure(kind: FailureKind): void {
    if (kind === 'readOnlyOnPrimary') {
      // 25006 may mean the host was demoted, but a client's own BEGIN READ ONLY; INSERT … raises
      // it on a real primary too: the error alone changes nothing, a probe asked for now decides.
      if (this.observedRole === 'primary') {
        for (const l of this.listeners) l.probeWanted?.(this, 'read-only transaction error (25006) on a host thought primary');
      }
      return;
    }
    const now = this.clock.now();
    this.errors.failure(now);
    this.failuresInARow++;
    if (this.isServing() && this.failuresInARow >= this.options.ejectAfterFailures) {
      this.eject(now, `${this.failuresInARow} consecutive failures (last: ${kind})`);
    } else {
      this.evaluate(now);
    }
  }

  recordProbe(result: ProbeResult): void {
    const now = this.clock.now();
    this.probeFailuresInARow = 0;
    this.latency.add(result.latencyMs);
    this.lag = result.lagSeconds;
    if (result.inRecovery !== null) {
      const role: ObservedRole = result.inRecovery ? 'replica' : 'primary';
      if (role !== this.observedRole) this.setRole(role, result.inRecovery ? 'probe: in recovery' : 'probe: out of recovery');
    }
    if (this.condition === 'half-open') {
      // Old failures describe the host before it came back; judging it by them would re-eject at once.
      this.errors.clear();
      this.failuresInARow = 0;
      this.become('healthy', now, 'probe succeeded while half-open');
    } else {
      this.evaluate(now);
    }
  }

  recordProbeFailure(kind: ProbeFailureKind): void {
    const now = this.clock.now();
    this.probeFailuresInARow++;
    if (this.condition === 'half-open') this.eject(now, `probe ${kind} while half-open`);
    else if (this.isServing() && this.probeFailuresInARow >= this.options.ejectAfterProbeFailures) {
      this.eject(now, `${this.probeFailuresInARow} consecutive probe failures (last: ${kind})`);
    }
  }

  /** Apply what time alone changes: end of backoff, errors ageing out, the streak forgotten. */
  refresh(): void {
    const now = this.clock.now();
    if (this.condition === 'down') {
      if (now >= this.downUntil) this.become('half-open', now, 'ejection backoff over');
    } else {
      this.evaluate(now);
    }
  }

  /** Whether a probe should run now; a down host gets none until its backoff is over. */
  wantsProbe(): boolean {
    this.refresh();
    return this.condition !== 'down';
  }

  /** Operator control: a draining host takes no new work; probes go on so its health is known when cleared. */
  setDraining(on: boolean): void {
    if (on === this.draining) return;
    const from = this.state;
    this.draining = on;
    this.changed(from, on ? 'operator drain' : 'operator drain cleared');
  }

  snapshot(): HealthSnapshot {
    const now = this.clock.now();
    return {
      key: this.key,
      state: this.state,
      role: this.observedRole,
      score: this.score,
      latencyEwma: this.latency.mean,
      latencyVariance: this.latency.variance,
      errorRate: this.errors.rate(now),
      inFlight: this.active,
      utilisation: this.utilisation,
      lagSeconds: this.lag,
      consecutiveFailures: this.failuresInARow,
      ejectionStreak: this.streak,
      retryAt: this.condition === 'down' ? this.downUntil : null,
      ejections: this.ejections,
      stateChanges: this.stateChanges,
      roleChanges: this.roleChanges,
    };
  }

  private isServing(): boolean { return this.condition === 'healthy' || this.condition === 'degraded'; }

  /** healthy ⇄ degraded from the window and the EWMA; down and half-open move only by ejection and probes. */
  private evaluate(now: number): void {
    if (!this.isServing()) return;
    const o = this.options;
    const outcomes = this.errors.total(now);
    const rate = outcomes === 0 ? 0 : this.errors.failures(now) / outcomes;
    const slow = o.degradedLatencyMs > 0 && this.latency.samples > 0;
    if (this.condition === 'healthy') {
      if (outcomes >= o.errorRateMinSamples && rate >= o.degradedErrorRate) {
        this.become('degraded', now, `error rate ${(rate * 100).toFixed(1)}% over the window`);
      } else if (slow && this.latency.mean >= o.degradedLatencyMs) {
        this.become('degraded', now, `latency EWMA ${this.latency.mean.toFixed(1)} ms`);
      } else if (this.streak > 0 && now - this.healthySince >= o.ejectionMemoryMs) {
        this.streak = 0;
      }
    } else {
      const errorsOk = outcomes < o.errorRateMinSamples || rate < o.degradedErrorRate * HYSTERESIS;
      const latencyOk = !slow || this.latency.mean < o.degradedLatencyMs * HYSTERESIS;
      if (errorsOk && latencyOk) this.become('healthy', now, 'error rate and latency back under thresholds');
    }
  }

  private eject(now: number, reason: string): void {
    this.streak++;
    this.ejections++;
    const o = this.options;
    this.downUntil = now + ejectionBackoffMs(this.streak, o.ejectBaseMs, o.ejectMaxMs, o.ejectJitter, this.random);
    this.probeFailuresInARow = 0;
    this.become('down', now, reason);
  }

  private become(next: Condition, now: number, reason: string): void {
    if (next === this.condition) return;
    const from = this.state;
    this.condition = next;
    if (next === 'healthy') this.healthySince = now;
    this.changed(from, reason);
  }

  private changed(from: HealthState, reason: string): void {
    const to = this.state;
    if (to === from) return;
    this.stateChanges++;
    this.entered[to]++;
    for (const l of this.listeners) l.stateChanged?.(this, from, to, reason);
  }

  private setRole(role: ObservedRole, reason: string): void {
    const from = this.observedRole;
    this.observedRole = role;
    this.roleChanges++;
    for (const l of this.listeners) l.roleChanged?.(this, from, role, reason);
  }
}
