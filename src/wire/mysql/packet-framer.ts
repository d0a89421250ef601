/**
 * Splits a MySQL packet stream (3-byte little-endian payload length, 1-byte sequence id) into
 * packets without copying: a packet inside one chunk is handed over as a view of that chunk.
 * Only a packet split across chunks is copied, and a large one the handler agrees to stream
 * passes through piece by piece, so a 16 MB packet never has to sit in memory whole.
 *
 * Packets are delivered as they are on the wire; a payload of 16 MB or more spans several
 * (each full one of length 0xffffff, continued by the next), and `part` tells the first and
 * the last of a payload apart so the handler can look at a command byte only once. The size
 * limit (max_allowed_packet) counts the whole payload and is checked on each header, before
 * a byte of the packet is buffered.
 *
 * Hand-written: driver parsers (mysql2) decode each packet into objects, and the forwarding
 * path only needs lengths and a few header bytes.
 */
import { MysqlProtocolError } from '../../errors.js';
import { HEADER_SIZE, MAX_PACKET_PAYLOAD } from './constants.js';

/** `part` bit: the packet starts a payload (its first payload byte is a command or response header). */
export const PACKET_FIRST = 1;
/** `part` bit: the payload ends with this packet (its length is below 0xffffff). */
export const PACKET_LAST = 2;

export const ER_NET_PACKET_TOO_LARGE = 1153;

export interface PacketHandler {
  /** A whole packet at buf[start, end): header first, payload from start + 4. */
  onPacket(sequenceId: number, buf: Buffer, start: number, end: number, part: number): void;
  /** A packet with `payloadLength` bytes of payload does not fit this chunk: stream it instead of buffering? */
  wantsStream(sequenceId: number, payloadLength: number, part: number): boolean;
  /** The next bytes of the streamed packet, header first; `last` on its final piece. */
  onStreamData(buf: Buffer, start: number, end: number, last: boolean): void;
}

export class PacketFramer {
  private readonly handler: PacketHandler;
  private readonly maxPayload: number;
  private readonly streamThreshold: number;
  private readonly headerBuf = Buffer.allocUnsafe(HEADER_SIZE);
  private headerFill = 0;
  /** A packet split across chunks; `partialFill` of its bytes are present. */
  private partial: Buffer | null = null;
  private partialFill = 0;
  private partialSeq = 0;
  private partialPart = 0;
  private streamRemaining = 0;
  /** Payload bytes of the current multi-packet payload in the packets before this one. */
  private payloadSoFar = 0;
  private continuing = false;
  private halted = false;
  private leftover: Buffer | null = null;

  /**
   * `maxPayload` bounds a whole payload (all its packets); `streamThreshold` is the packet
   * size above which a split packet is offered to wantsStream rather than assembled.
   */
  constructor(handler: PacketHandler, maxPayload: number, streamThreshold = 256 * 1024) {
    this.handler = handler;
    this.maxPayload = maxPayload;
    this.streamThreshold = streamThreshold;
  }

  /** Stop delivering packets (the connection closes, or TLS takes over after an SSLRequest). */
  halt(): void { this.halted = true; }

  /** After a halt: the bytes not read yet, for whoever reads the stream from there on. */
  takeLeftover(): Buffer | null {
    const rest = this.leftover;
    this.leftover = null;
    return rest;
  }

  /** True while a packet, or a payload of several packets, has begun but not ended. */
  get midPacket(): boolean {
    return this.headerFill > 0 || this.partial !== null || this.streamRemaining > 0 || this.continuing;
  }

  /** Feed one chunk. Throws MysqlProtocolError when a payload exceeds the limit. */
  push(chunk: Buffer): void {
    let off = 0;
    const len = chunk.length;
    if (this.streamRemaining > 0) off = this.continueStream(chunk, 0);
    if (this.headerFill > 0 && off < len && !this.halted) off = this.continueHeader(chunk, off);
    if (this.partial !== null && off < len && !this.halted) off = this.continuePartial(chunk, off);
    while (off < len && !this.halted) {
      if (len - off < HEADER_SIZE) {
        chunk.copy(this.headerBuf, 0, off, len);
        this.headerFill = len - off;
        return;
      }
      const payload = chunk[off]! | (chunk[off + 1]! << 8) | (chunk[off + 2]! << 16);
      const seq = chunk[off + 3]!;
      const part = this.nextPart(payload);
      const total = HEADER_SIZE + payload;
      if (off + total <= len) {
        this.handler.onPacket(seq, chunk, off, off + total, part);
        off += total;
        continue;
      }
      if (total > this.streamThreshold && this.handler.wantsStream(seq, payload, part)) {
        this.streamRemaining = total - (len - off);
        this.handler.onStreamData(chunk, off, len, false);
        return;
      }
      this.beginPartial(seq, part, total);
      this.partialFill = chunk.copy(this.partial!, 0, off);
      return;
    }
    if (this.halted && off < len) this.leftover = chunk.subarray(off);
  }

  /** Checks the payload limit for a packet of `payload` bytes and works out its part bits. */
  private nextPart(payload: number): number {
    const first = this.continuing ? 0 : PACKET_FIRST;
    const sum = this.payloadSoFar + payload;
    if (sum > this.maxPayload) {
      throw new MysqlProtocolError(`packet of ${sum} bytes exceeds max_allowed_packet ${this.maxPayload}`, ER_NET_PACKET_TOO_LARGE);
    }
    if (payload === MAX_PACKET_PAYLOAD) {
      this.continuing = true;
      this.payloadSoFar = sum;
      return first;
    }
    this.continuing = false;
    this.payloadSoFar = 0;
    return first | PACKET_LAST;
  }

  private beginPartial(seq: number, part: number, total: number): void {
    this.partial = Buffer.allocUnsafe(total);
    this.partialFill = 0;
    this.partialSeq = seq;
    this.partialPart = part;
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
    const h = this.headerBuf;
    const payload = h[0]! | (h[1]! << 8) | (h[2]! << 16);
    const seq = h[3]!;
    const part = this.nextPart(payload);
    if (payload === 0) {
      // A copy: handlers may hand the bytes to socket.write, which keeps a reference.
      this.handler.onPacket(seq, Buffer.from(h), 0, HEADER_SIZE, part);
      return off;
    }
    const total = HEADER_SIZE + payload;
    if (total > this.streamThreshold && this.handler.wantsStream(seq, payload, part)) {
      this.streamRemaining = payload;
      this.handler.onStreamData(Buffer.from(h), 0, HEADER_SIZE, false);
      return this.continueStream(chunk, off);
    }
    this.beginPartial(seq, part, total);
    h.copy(this.partial!, 0, 0, HEADER_SIZE);
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
      this.handler.onPacket(this.partialSeq, partial, 0, partial.length, this.partialPart);
    }
    return off + take;
  }
}
