/**
 * Paces new TLS handshakes while the event loop is busy, so a storm of new clients cannot
 * starve the ones already connected (issue 5: 500 simultaneous handshakes must leave
 * established clients more than 80% of their throughput).
 *
 * A handshake costs several times a transaction's CPU and runs on the same single event loop
 * as every established client's traffic. While the loop has headroom, handshakes start at
 * once. While it is busy (utilisation over the last sample at or above BUSY_UTILISATION), they
 * start at most `ratePerSecond` a second, first come first served; the rest wait with their
 * socket paused, which costs nothing but the client's patience (client_login_timeout still
 * applies). This is HAProxy's `maxsslrate`, applied only under load so an idle Sluice still
 * takes a reconnect storm at full speed. Protocol-agnostic: the caller says how to start.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** Utilisation at which the loop counts as busy and pacing starts. */
export const BUSY_UTILISATION = 0.8;
/** How long a utilisation sample covers; also the pacing timer's period. */
const SAMPLE_MS = 100;

interface Waiting {
  readonly start: () => void;
  readonly abandoned: () => boolean;
}

export class HandshakeGate {
  private ratePerSecond: number;
  private tokens = 0;
  private refilledAt = performance.now();
  private readonly waiting: Waiting[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private sampledAt = performance.now();
  private busy = false;
  /** Handshakes that had to wait for their turn; read on scrape. */
  deferred = 0;

  /** `ratePerSecond` 0 turns pacing off. */
  constructor(ratePerSecond: number) {
    this.ratePerSecond = ratePerSecond;
  }

  /** A reload changes the rate; handshakes already waiting keep their place. */
  setRate(ratePerSecond: number): void {
    this.ratePerSecond = ratePerSecond;
    if (ratePerSecond === 0) this.release(Infinity);
  }

  /** Handshakes waiting for their turn now; read on scrape. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  /**
   * Run `start` now or when the handshake's turn comes. `abandoned` is asked before a late
   * start (a client that hung up while waiting is skipped).
   */
  admit(start: () => void, abandoned: () => boolean): void {
    if (this.ratePerSecond === 0 || (this.queued === 0 && this.mayStart())) {
      start();
      return;
    }
    this.deferred++;
    this.waiting.push({ start, abandoned });
    this.timer ??= setInterval(() => this.tick(), SAMPLE_MS / 10).unref();
  }

  /** Stop the pacing timer; waiting handshakes start at once (shutdown closes them anyway). */
  close(): void {
    this.release(Infinity);
  }

  private tick(): void {
    this.release(this.sampleBusy() ? this.takeTokens() : Infinity);
  }

  private release(count: number): void {
    let started = 0;
    while (this.head < this.waiting.length && started < count) {
      const next = this.waiting[this.head++]!;
      if (next.abandoned()) continue;
      started++;
      next.start();
    }
    this.tokens -= Math.min(started, this.tokens);
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
      if (this.timer !== null) clearInterval(this.timer);
      this.timer = null;
    }
  }

  private mayStart(): boolean {
    if (!this.sampleBusy()) return true;
    if (this.takeTokens() < 1) return false;
    this.tokens--;
    return true;
  }

  /** Whole tokens available now; the bucket holds at most one sample's worth (no bursts after a lull). */
  private takeTokens(): number {
    const now = performance.now();
    const burst = Math.max(1, this.ratePerSecond * SAMPLE_MS / 1000);
    this.tokens = Math.min(burst, this.tokens + (now - this.refilledAt) * this.ratePerSecond / 1000);
    this.refilledAt = now;
    return Math.floor(this.tokens);
  }

  private sampleBusy(): boolean {
    const now = performance.now();
    if (now - this.sampledAt >= SAMPLE_MS) {
      const current = performance.eventLoopUtilization();
      this.busy = performance.eventLoopUtilization(current, this.elu).utilization >= BUSY_UTILISATION;
      this.elu = current;
      this.sampledAt = now;
    }
    return this.busy;
  }
}
