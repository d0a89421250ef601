/**
 * The FIFO of who waits for the replies a Redis server connection still owes: runs of
 * (sink, count), so a client's pipelined commands cost one entry. A growable ring of two
 * parallel arrays: pushing and shifting allocate nothing once it has grown to its working size.
 */

/** Where replies (and the bytes of a reply still arriving) go. */
export interface ReplySink {
  /**
   * `bytes` hold `replies` complete replies, then, when `complete` is false, the start of
   * one more that continues in the next delivery.
   */
  deliver(bytes: Buffer, replies: number, complete: boolean): void;
  /** The server connection closed with `owed` replies still due to this sink. */
  serverLost(owed: number): void;
}

export class ReplyQueue {
  private sinks: (ReplySink | null)[] = new Array<ReplySink | null>(16).fill(null);
  private counts = new Float64Array(16);
  private head = 0;
  private size = 0;
  /** Replies owed in total. */
  owed = 0;

  /** The sink the next reply belongs to, or null when none is owed. */
  peek(): ReplySink | null { return this.size === 0 ? null : this.sinks[this.head]!; }

  push(sink: ReplySink, count: number): void {
    this.owed += count;
    const cap = this.sinks.length;
    if (this.size > 0) {
      const tail = (this.head + this.size - 1) % cap;
      if (this.sinks[tail] === sink) { this.counts[tail]! += count; return; }
    }
    if (this.size === cap) this.grow();
    const at = (this.head + this.size) % this.sinks.length;
    this.sinks[at] = sink;
    this.counts[at] = count;
    this.size++;
  }

  /** One reply of the head run arrived. */
  shiftOne(): void {
    this.owed--;
    const left = --this.counts[this.head]!;
    if (left > 0) return;
    this.sinks[this.head] = null;
    this.head = (this.head + 1) % this.sinks.length;
    this.size--;
  }

  /** Empty the queue, calling `each` with every run. */
  drain(each: (sink: ReplySink, owed: number) => void): void {
    while (this.size > 0) {
      const sink = this.sinks[this.head]!;
      const count = this.counts[this.head]!;
      this.sinks[this.head] = null;
      this.head = (this.head + 1) % this.sinks.length;
      this.size--;
      this.owed -= count;
      each(sink, count);
    }
  }

  private grow(): void {
    const cap = this.sinks.length;
    const sinks = new Array<ReplySink | null>(cap * 2).fill(null);
    const counts = new Float64Array(cap * 2);
    for (let i = 0; i < this.size; i++) {
      sinks[i] = this.sinks[(this.head + i) % cap]!;
      counts[i] = this.counts[(this.head + i) % cap]!;
    }
    this.sinks = sinks;
    this.counts = counts;
    this.head = 0;
  }
}
