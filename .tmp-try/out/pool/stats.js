export class PoolTotals {
    /** Leases handed out, fast path and queued alike. */
    leases = 0;
    /** Server connections opened and logged in. */
    connects = 0;
    /** Failed connect attempts, including "no host available". */
    connectFailures = 0;
    /** Waiters rejected by query_wait_timeout. */
    timeouts = 0;
    /** Time queued waiters spent before their lease, in microseconds... */
    waitTimeUs = 0;
    /** ...over this many leases (the fast path does not wait and is not counted). */
    waitCount = 0;
}
//# sourceMappingURL=stats.js.map