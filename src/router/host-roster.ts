/**
 * One source's hosts as routing sees them: each configured host with its health tracker,
 * the chooser and the write-target tracker, built from the same HostSet the admin API reads.
 * The protocol supplies spare capacity per host (from its pools) and, to a Prober over
 * `entries`, the probe. The admin API's per-host disable flag is the operator's drain.
 */
import type { HostHealth } from '../health/host-health.js';
import type { Timers } from '../health/timers.js';
import type { Clock, RandomSource } from '../health/types.js';
import { FailoverTracker } from './failover.js';
import { HostChooser, type HostCandidate, type HostChoice, type WorkNeed } from './host-choice.js';
import type { HostSet, RoutedHost } from './host-set.js';
import type { RoutingOptions } from './routing-options.js';

export interface RosterInit {
  clock: Clock;
  /** For power of two choices and ejection jitter; Math.random when omitted. */
  random?: RandomSource;
  routing: RoutingOptions;
  /** Server connections the host can still give now; without it no host is ever saturated. */
  spare?: (host: RoutedHost) => number;
  /** For failover_timeout waits; real unref'd timers when omitted. */
  timers?: Timers;
}

/** A host, its health, and the figures host choice reads, live (no copies to refresh). */
export class RosterEntry implements HostCandidate<RoutedHost> {
  constructor(
    readonly host: RoutedHost,
    readonly health: HostHealth,
    private readonly spareOf: (host: RoutedHost) => number,
  ) {}

  get zone(): string { return this.host.config.zone; }
  get weight(): number { return this.host.config.weight; }
  get spare(): number { return this.spareOf(this.host); }
}

const unlimited = (): number => Infinity;

export class HostRoster {
  readonly entries: readonly RosterEntry[];
  /** Replaced whole by reconfigure(), so a reload never leaves a half-updated chooser. */
  chooser: HostChooser;
  private readonly random: RandomSource | undefined;
  readonly failover: FailoverTracker;
  private readonly byKey: ReadonlyMap<string, RosterEntry>;
  /** Reused by choose('write'): the primary's entry, or nothing. */
  private readonly writeTarget: RosterEntry[] = [];

  constructor(hosts: HostSet, init: RosterInit) {
    const spare = init.spare ?? unlimited;
    this.entries = hosts.hosts.map((h) => new RosterEntry(h, h.health, spare));
    this.byKey = new Map(this.entries.map((e) => [e.host.key, e]));
    this.random = init.random;
    this.chooser = new HostChooser(init.routing, init.random);
    this.failover = new FailoverTracker(this.entries.map((e) => e.health), { clock: init.clock, timers: init.timers });
  }

  /**
   * The host for a unit of work, or why there is none ('no-primary': wait on
   * failover.waitForPrimary). Writes go to the failover tracker's one primary, never spread
   * over every host that claims the role (several configured primaries before the first probe,
   * or a stale one back up).
   */
  choose(need: WorkNeed): HostChoice<RoutedHost> {
    this.syncDrains();
    if (need !== 'write') return this.chooser.choose(this.entries, need);
    const primary = this.failover.primary;
    const entry = primary === null ? undefined : this.byKey.get(primary.key);
    this.writeTarget.length = 0;
    if (entry !== undefined) this.writeTarget.push(entry);
    return this.chooser.choose(this.writeTarget, 'write');
  }

  /** A config reload: new zones, lag limit and primary_reads apply to the next choice. */
  reconfigure(routing: RoutingOptions): void {
    this.chooser = new HostChooser(routing, this.random);
  }

  health(key: string): HostHealth | undefined { return this.byKey.get(key)?.health; }

  /** Cancels failover waits and stops listening to the trackers. */
  close(): void { this.failover.close(); }

  /** An admin disable (HostSet's flag) drains the host here too, and an enable clears it. */
  private syncDrains(): void {
    for (const e of this.entries) {
      if (e.host.disabled !== (e.health.state === 'draining')) e.health.setDraining(e.host.disabled);
    }
  }
}
