/**
 * Which resolved references must be read again, and when. Backends answer with a value and a
 * time to read it again (a KV version checked every `refresh`, a lease renewed at 80% of its
 * duration); until then the cached value is served, so a refresh pass re-substitutes the
 * whole configuration but asks the backends only about what is due.
 */
import type { ReferenceContext, ReferenceResolver } from '../../../config/references.js';

export interface Fetched {
  value: string;
  /** Date.now() at which to read it again; Infinity: never. */
  refreshAt: number;
}

export type Fetcher = (argument: string, context: ReferenceContext) => Fetched | Promise<Fetched>;

interface Entry { value: string; refreshAt: number; seen: boolean }

export class RefreshSchedule {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A resolver that serves the cached value of `scheme:argument` until it is due. */
  resolver(scheme: string, fetch: Fetcher): ReferenceResolver {
    return async (argument, context) => {
      const key = `${scheme}:${argument}`;
      const cached = this.entries.get(key);
      if (cached !== undefined && cached.refreshAt > this.now()) {
        cached.seen = true;
        return cached.value;
      }
      const fetched = await fetch(argument, context);
      this.entries.set(key, { value: fetched.value, refreshAt: fetched.refreshAt, seen: true });
      return fetched.value;
    };
  }

  /** Before a substitution pass: references the new text no longer holds are forgotten after it. */
  beginPass(): void {
    for (const entry of this.entries.values()) entry.seen = false;
  }

  endPass(): void {
    for (const [key, entry] of this.entries) if (!entry.seen) this.entries.delete(key);
  }

  /** The earliest time a reference is due; Infinity when none ever is. */
  nextRefreshAt(): number {
    let next = Infinity;
    for (const entry of this.entries.values()) next = Math.min(next, entry.refreshAt);
    return next;
  }
}
