/**
 * A client's bytes that arrived while no server was attached, kept in arrival order until a
 * lease hands them to one. They always start at a message boundary: a server is only ever
 * released between messages.
 */
export class PendingInput {
  chunks: Buffer[] = [];
  bytes = 0;

  get empty(): boolean { return this.chunks.length === 0; }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /** Everything kept so far, in order; the input is empty after. */
  take(): Buffer[] {
    const chunks = this.chunks;
    this.chunks = [];
    this.bytes = 0;
    return chunks;
  }

  /**
   * Is the first message all here? An impossible or oversized length counts as complete: it is
   * the framer's to refuse once leased, not a reason to wait for more.
   */
  firstMessageComplete(maxPacketSize: number): boolean {
    if (this.bytes < 5) return false;
    let head = this.chunks[0]!;
    if (head.length < 5) head = Buffer.concat(this.chunks, 5);
    const length = head.readInt32BE(1);
    return this.bytes > length || length < 4 || length >= maxPacketSize;
  }
}
