/**
 * Runs the configuration refresh when the earliest secret reference is due (a TTL, or 80% of
 * a Vault lease). One timer, re-armed after each run; a failed refresh keeps the running
 * credentials and is tried again after `retryMs`, since a backend outage must not take
 * working connections down.
 */
import type { Logger } from 'pino';

/** setTimeout's largest delay; later times are re-armed when it fires. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export interface RefresherOptions {
  /** Date.now() at which the next refresh is due; Infinity: none. */
  due: () => number;
  run: () => Promise<void>;
  log: Logger;
  retryMs?: number;
  /** Never run more often than this, even when a lease is very short. */
  minDelayMs?: number;
}

export class SecretRefresher {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Set after a failure: the next attempt waits for it rather than for the due time. */
  private retryAt = 0;
  private readonly retryMs: number;
  private readonly minDelayMs: number;

  constructor(private readonly options: RefresherOptions) {
    this.retryMs = options.retryMs ?? 10_000;
    this.minDelayMs = options.minDelayMs ?? 1000;
  }

  start(): void {
    this.stopped = false;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Re-read the due time (after a reload changed the references). */
  rearm(): void {
    if (!this.stopped) this.arm();
  }

  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const due = Math.max(this.options.due(), this.retryAt);
    if (!Number.isFinite(due)) return;
    const delay = Math.min(MAX_DELAY_MS, Math.max(this.minDelayMs, due - Date.now()));
    this.timer = setTimeout(() => void this.fire(due), delay).unref();
  }

  private async fire(due: number): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    if (Date.now() >= due) {
      try {
        await this.options.run();
        this.retryAt = 0;
      } catch (err) {
        this.retryAt = Date.now() + this.retryMs;
        const issues = (err as { issues?: unknown }).issues;
        this.options.log.warn({ code: (err as { code?: unknown }).code, issues, retryInMs: this.retryMs }, 'secret refresh failed; the running credentials stay');
      }
    }
    if (!this.stopped) this.arm();
  }
}
