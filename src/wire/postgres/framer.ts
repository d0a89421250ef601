/**
 * Splits a byte stream of typed PostgreSQL messages (1 type byte + int32 length) into whole
 * messages without copying: a message that lies inside one chunk is handed over as a
 * (buffer, start, end) view of that chunk. Only a message split across chunks is copied,
 * and a large one the handler agrees to stream is passed through piece by piece so that a
 * 1 GB DataRow or CopyData never sits in memory whole.
 *
 * Hand-written rather than pg-protocol's Parser: that parser decodes every message into an
 * object, and the forwarding path only needs the type and the length.
 */
import { ProtocolError } from '../../errors.js';
import { HEADER_SIZE } from './constants.js';

export interface FrameHandler {
  /** A whole message at buf[start, end); buf[start] is its type. */
  onMessage(type: number, buf: Buffer, start: number, end: number): void;
  /** A message of `length` bytes (header included) does not fit this chunk: stream it instead of buffering? */
  wantsStream(type: number, length: number): boolean;
  /** The next bytes of the streamed message, header first; `last` on its final piece. */
  onStreamData(buf: Buffer, start: number, end: number, last: boolean): void;
}

export class MessageFramer {
  private readonly handler: FrameHandler;
  private readonly maxMessageSize: number;
  private readonly streamThreshold: number;
  /** Bytes of a message split across chunks; `partialFill` of them are present. */
  private partial: Buffer | null = null;
  private partialFill = 0;
  private readonly headerBuf = Buffer.allocUnsafe(HEADER_SIZE);
  private headerFill = 0;
  private streamRemaining = 0;
  private halted = false;
  /** The unread rest of the chunk a handler halted the framer in. */
  private leftover: Buffer | null = null;

  constructor(handler: FrameHandler, maxMessageSize: number, streamThreshold = 256 * 1024) {
    this.handler = handler;
    this.maxMessageSize = maxMessageSize;
    this.streamThreshold = streamThreshold;
  }

  /** Stop delivering messages (the connection is being closed, or another reader takes over). */
  halt(): void { this.halted = true; }

  /**
   * After a handler halted the framer: the bytes it had not read yet (the rest of the chunk,
   * or of the message it was assembling), for whoever reads the stream from there on.
   */
  takeLeftover(): Buffer | null {
    const rest = this.leftover;
    this.leftover = null;
    return rest;
  }

  /** True while part of a message has been received but not all of it. */
  get midMessage(): boolean { return this.headerFill > 0 || this.partial !== null || this.streamRemaining > 0; }

  /** Feed one chunk. Throws ProtocolError on a length field that is impossible or too large. */
  push(chunk: Buffer): void {
    let off = 0;
    const len = chunk.length;
    if (this.streamRemaining > 0) off = this.continueStream(chunk, 0);
    if (this.headerFill > 0 && off < len) off = this.continueHeader(chunk, off);
    if (this.partial !== null && off < len) off = this.continuePartial(chunk, off);
    while (off < len && !this.halted) {
      if (len - off < HEADER_SIZE) {
        chunk.copy(this.headerBuf, 0, off, len);
        this.headerFill = len - off;
        return;
      }
      const type = chunk[off]!;
      const total = this.messageLength(chunk.readInt32BE(off + 1));
      if (off + total <= len) {
        this.handler.onMessage(type, chunk, off, off + total);
        off += total;
        continue;
      }
      this.beginSplitMessage(type, total, chunk, off);
      return;
    }
    if (this.halted && off < len) this.leftover = chunk.subarray(off);
  }

  private messageLength(lengthField: number): number {
    if (lengthField < 4) throw new ProtocolError(`invalid message length ${lengthField}`);
    if (lengthField + 1 > this.maxMessageSize) {
      throw new ProtocolError(`message of ${lengthField + 1} bytes exceeds max_packet_size ${this.maxMessageSize}`);
    }
    return lengthField + 1;
  }

  /** A message starts at chunk[off] and runs past the chunk's end. */
  private beginSplitMessage(type: number, total: number, chunk: Buffer, off: number): void {
    if (total > this.streamThreshold && this.handler.wantsStream(type, total)) {
      this.streamRemaining = total - (chunk.length - off);
      this.handler.onStreamData(chunk, off, chunk.length, false);
      return;
    }
    this.partial = Buffer.allocUnsafe(total);
    this.partialFill = chunk.copy(this.partial, 0, off);
  }

  private continueStream(chunk: Buffer, off: number): number {
    const n = Math.min(this.streamRemaining, chunk.length - off);
    this.streamRemaining -= n;
    this.handler.onStreamData(chunk, off, off + n, this.streamRemaining === 0);
    return off + n;
  }

  private continueHeader(chunk: Buffer, off: number): number {
    const take = Math.min(HEADER_SIZE - this.headerFill, chunk.length - off);
    chunk.copy(this.headerBuf, this.headerFill, off, off + take);
    this.headerFill += take;
    off += take;
    if (this.headerFill < HEADER_SIZE) return off;
    this.headerFill = 0;
    const type = this.headerBuf[0]!;
    const total = this.messageLength(this.headerBuf.readInt32BE(1));
    if (total === HEADER_SIZE) {
      // A copy: handlers may hand the bytes to socket.write, which keeps a reference.
      this.handler.onMessage(type, Buffer.from(this.headerBuf), 0, HEADER_SIZE);
      return off;
    }
    if (total > this.streamThreshold && this.handler.wantsStream(type, total)) {
      this.streamRemaining = total - HEADER_SIZE;
      this.handler.onStreamData(Buffer.from(this.headerBuf), 0, HEADER_SIZE, false);
      return this.continueStream(chunk, off);
    }
    this.partial = Buffer.allocUnsafe(total);
    this.headerBuf.copy(this.partial, 0, 0, HEADER_SIZE);
    this.partialFill = HEADER_SIZE;
    return this.continuePartial(chunk, off);
  }

  private continuePartial(chunk: Buffer, off: number): number {
    const partial = this.partial!;
    const take = Math.min(partial.length - this.partialFill, chunk.length - off);
    chunk.copy(partial, this.partialFill, off, off + take);
    this.partialFill += take;
    if (this.partialFill === partial.length) {
      this.partial = null;
      this.handler.onMessage(partial[0]!, partial, 0, partial.length);
    }
    return off + take;
  }
}
