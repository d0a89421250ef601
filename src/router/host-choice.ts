/**
 * Which host serves a unit of work. Hosts the unit may use (by role, state and lag) are
 * ranked by preference: healthy with spare capacity, tier by tier through prefer_zones;
 * then degraded with spare capacity; then, when every usable host is saturated, the same
 * order again so the work queues where it would have gone. Within the best rank, power of
 * two choices on loadScore (latency EWMA × (1 + in-flight) ÷ weight): a slow host gets
 * proportionally less work long before a threshold ejects it. Down, half-open and draining
 * hosts are never chosen; only probes reach them.
 */
import { loadScore } from '../health/score.js';
import type { HealthReading, RandomSource } from '../health/types.js';
import type { PrimaryReads, RoutingOptions } from './routing-options.js';
import { ZoneTiers } from './zone-tiers.js';

/**
 * 'write': hosts observed primary (HostRoster passes only the failover tracker's one);
 * 'read': replicas first, the primary as primary_reads says; 'any': every role.
 */
export type WorkNeed = 'write' | 'read' | 'any';

export interface HostCandidate<H> {
  readonly host: H;
  readonly zone: string;
  readonly weight: number;
  /** Server connections the host can still give now (idle plus room to open); 0 or less is saturated. */
  readonly spare: number;
  readonly health: HealthReading;
}

/**
 * no-primary: a write and no usable primary (the caller waits for failover);
 * no-replica: a read under primary_reads=never and no usable replica;
 * no-host: nothing else may serve.
 */
export type NoHostReason = 'no-primary' | 'no-replica' | 'no-host';

export type HostChoice<H> =
  | { readonly ok: true; readonly host: H; readonly tier: number; readonly saturated: boolean }
  | { readonly ok: false; readonly reason: NoHostReason };

type ChoiceOptions = Pick<RoutingOptions, 'prefer_zones' | 'primary_reads' | 'replica_lag_max'>;

export class HostChooser {
  /** Replicas passed over for reads because their lag exceeded replica_lag_max. */
  laggingSkipped = 0;
  /** Choices made with every usable host saturated. */
  saturatedChoices = 0;

  private readonly tiers: ZoneTiers;
  private readonly primaryReads: PrimaryReads;
  private readonly lagMaxSeconds: number;
  private readonly random: RandomSource;
  /** Reused between calls: indices of the candidates in the best rank. */
  private readonly best: number[] = [];

  constructor(options: ChoiceOptions, random: RandomSource = Math.random) {
    this.tiers = new ZoneTiers(options.prefer_zones);
    this.primaryReads = options.primary_reads;
    this.lagMaxSeconds = options.replica_lag_max > 0 ? options.replica_lag_max / 1000 : Infinity;
    this.random = random;
  }

  choose<H>(candidates: readonly HostCandidate<H>[], need: WorkNeed): HostChoice<H> {
    let choice = this.pick(candidates, need, need === 'read' && this.primaryReads === 'always');
    if (choice === null && need === 'read' && this.primaryReads === 'fallback') choice = this.pick(candidates, 'write', false);
    if (choice !== null) return choice;
    if (need === 'write') return NO_PRIMARY;
    return need === 'read' && this.primaryReads === 'never' ? NO_REPLICA : NO_HOST;
  }

  private pick<H>(candidates: readonly HostCandidate<H>[], need: WorkNeed, primaryToo: boolean): HostChoice<H> | null {
    const tierCount = this.tiers.count;
    const best = this.best;
    best.length = 0;
    let bestRank = Infinity;
    // Hosts without a latency sample are scored as the slowest known one, so a new host is not flooded.
    let slowest = 0;
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i] as HostCandidate<H>;
      const h = c.health;
      if (h.state !== 'healthy' && h.state !== 'degraded') continue;
      if (!this.allowed(h, need, primaryToo)) continue;
      // A full pool is saturated even where the spare figure cannot tell (a roster without one).
      const spare = c.spare > 0 && (h.utilisation === undefined || h.utilisation < 1);
      const rank = (spare ? 0 : 2 * tierCount) + (h.state === 'healthy' ? 0 : tierCount) + this.tiers.tierOf(c.zone);
      if (h.latencyEwma > slowest) slowest = h.latencyEwma;
      if (rank < bestRank) { bestRank = rank; best.length = 0; }
      if (rank === bestRank) best.push(i);
    }
    if (best.length === 0) return null;
    const saturated = bestRank >= 2 * tierCount;
    if (saturated) this.saturatedChoices++;
    return { ok: true, host: this.twoChoices(candidates, slowest).host, tier: bestRank % tierCount, saturated };
  }

  private allowed(h: HealthReading, need: WorkNeed, primaryToo: boolean): boolean {
    if (need === 'any') return true;
    if (h.role === 'primary') return need === 'write' || primaryToo;
    if (need === 'write' || h.role !== 'replica') return false;
    if (h.lagSeconds !== null && h.lagSeconds > this.lagMaxSeconds) {
      this.laggingSkipped++;
      return false;
    }
    return true;
  }

  private twoChoices<H>(candidates: readonly HostCandidate<H>[], slowest: number): HostCandidate<H> {
    const best = this.best;
    const n = best.length;
    const i = Math.floor(this.random() * n);
    const first = candidates[best[i] as number] as HostCandidate<H>;
    if (n === 1) return first;
    // The second draw skips the first's slot, so the two are always distinct hosts.
    let j = Math.floor(this.random() * (n - 1));
    if (j >= i) j++;
    const second = candidates[best[j] as number] as HostCandidate<H>;
    return score(second, slowest) < score(first, slowest) ? second : first;
  }
}

function score<H>(c: HostCandidate<H>, slowest: number): number {
  const h = c.health;
  return loadScore(h.latencyEwma > 0 ? h.latencyEwma : slowest, h.inFlight, c.weight);
}

const NO_PRIMARY = Object.freeze({ ok: false, reason: 'no-primary' } as const);
const NO_REPLICA = Object.freeze({ ok: false, reason: 'no-replica' } as const);
const NO_HOST = Object.freeze({ ok: false, reason: 'no-host' } as const);
