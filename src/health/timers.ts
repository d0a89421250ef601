/**
 * Timer functions behind an interface, so tests drive probe rounds and failover timeouts by
 * hand. The real ones are unref'd: a pending probe or wait never keeps the process alive.
 */
export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
