/**
 * FIFO of clients waiting for a server connection. A growable ring buffer, so push and shift
 * allocate nothing once warm (undici's FixedQueue idea), with O(1) cancel: a cancelled waiter
 * leaves a hole that the head skips, so the ring is never shifted.
 *
 * A waiter's sequence number is kept on the waiter itself under a private symbol rather than
 * in a Map: the Map's set and delete on every queued lease were a measured share of the
 * forwarding path's CPU at 1000 clients (docs/benchmarks.md). A waiter is in at most one queue
 * at a time; a ticket counts only while its slot still holds that waiter, so a stale one
 * (left by another queue, or by this one before a rewind) is harmless.
 */
const TICKET = Symbol('sluice.waitTicket');
const NONE = -1;

type Ticketed = { [TICKET]?: number };

export class WaitQueue<W extends object> {
  private waiters: (W | undefined)[];
  /** Enqueue time (performance.now()) per slot, parallel to `waiters`. */
  private since: Float64Array;
  private mask: number;
  /**
   * Absolute sequence numbers; a waiter's slot is `seq & mask`. Tickets stay valid when the
   * ring grows because growth re-lays slots by the same rule.
   */
  private head = 0;
  private tail = 0;
  /** Live waiters, holes excluded. */
  private live = 0;

  constructor(capacity = 16) {
    let cap = 2;
    while (cap < capacity) cap *= 2;
    this.waiters = new Array<W | undefined>(cap).fill(undefined);
    this.since = new Float64Array(cap);
    this.mask = cap - 1;
  }

  /** Live waiters, holes excluded. */
  get size(): number {
    return this.live;
  }

  has(waiter: W): boolean {
    return this.ticketOf(waiter) !== NONE;
  }

  /** Append; false (and no change) when the waiter is already queued. */
  push(waiter: W, now: number): boolean {
    if (this.ticketOf(waiter) !== NONE) return false;
    if (this.tail - this.head > this.mask) this.grow();
    const slot = this.tail & this.mask;
    this.waiters[slot] = waiter;
    this.since[slot] = now;
    (waiter as Ticketed)[TICKET] = this.tail;
    this.tail++;
    this.live++;
    return true;
  }

  /** Enqueue time of the oldest live waiter, or -1 when none waits. */
  oldestSince(): number {
    this.skipHoles();
    return this.head === this.tail ? -1 : this.since[this.head & this.mask];
  }

  shift(): W | undefined {
    this.skipHoles();
    if (this.head === this.tail) return undefined;
    const slot = this.head & this.mask;
    const waiter = this.waiters[slot];
    this.waiters[slot] = undefined;
    this.head++;
    if (waiter !== undefined) {
      (waiter as Ticketed)[TICKET] = NONE;
      this.live--;
    }
    this.rewindIfEmpty();
    return waiter;
  }

  /** Cancel a queued waiter; false when it is not queued (already served or never queued). */
  remove(waiter: W): boolean {
    const seq = this.ticketOf(waiter);
    if (seq === NONE) return false;
    this.waiters[seq & this.mask] = undefined;
    (waiter as Ticketed)[TICKET] = NONE;
    this.live--;
    this.rewindIfEmpty();
    return true;
  }

  /** The waiter's sequence number in this queue, or NONE. */
  private ticketOf(waiter: W): number {
    const seq = (waiter as Ticketed)[TICKET];
    if (seq === undefined || seq === NONE || seq < this.head || seq >= this.tail) return NONE;
    return this.waiters[seq & this.mask] === waiter ? seq : NONE;
  }

  private skipHoles(): void {
    while (this.head !== this.tail && this.waiters[this.head & this.mask] === undefined) this.head++;
  }

  /**
   * With no live waiter every slot is already a hole: start over at 0 so sequence numbers stay
   * small integers (V8 Smis) however long the process runs.
   */
  private rewindIfEmpty(): void {
    if (this.live !== 0) return;
    this.head = 0;
    this.tail = 0;
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const mask = cap - 1;
    const waiters = new Array<W | undefined>(cap).fill(undefined);
    const since = new Float64Array(cap);
    for (let seq = this.head; seq !== this.tail; seq++) {
      waiters[seq & mask] = this.waiters[seq & this.mask];
      since[seq & mask] = this.since[seq & this.mask];
    }
    this.waiters = waiters;
    this.since = since;
    this.mask = mask;
  }
}
