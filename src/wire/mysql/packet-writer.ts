/**
 * Builds packets Sluice itself sends (handshakes, OK/ERR, auth exchanges): a payload is
 * written into a growing buffer, then framed with headers, split into 16 MB packets when it
 * must be. Off the forwarding path, which passes the bytes it received through untouched.
 */
import { MysqlProtocolError } from '../../errors.js';
import { HEADER_SIZE, MAX_PACKET_PAYLOAD } from './constants.js';

const TWO_POW_64 = 1n << 64n;

export class PacketWriter {
  private buf: Buffer;
  /** Bytes written; the first HEADER_SIZE are kept for the header of a single-packet payload. */
  private len = HEADER_SIZE;

  constructor(sizeHint = 64) {
    this.buf = Buffer.allocUnsafe(HEADER_SIZE + sizeHint);
  }

  u8(v: number): this {
    this.grow(1);
    this.buf[this.len++] = v;
    return this;
  }

  u16(v: number): this {
    this.grow(2);
    this.len = this.buf.writeUInt16LE(v, this.len);
    return this;
  }

  u24(v: number): this {
    this.grow(3);
    this.len = this.buf.writeUIntLE(v, this.len, 3);
    return this;
  }

  u32(v: number): this {
    this.grow(4);
    this.len = this.buf.writeUInt32LE(v >>> 0, this.len);
    return this;
  }

  /** A length-encoded integer; numbers must be safe integers, bigints below 2^64. */
  lenencInt(v: number | bigint): this {
    if (typeof v === 'number' ? !Number.isSafeInteger(v) || v < 0 : v < 0n || v >= TWO_POW_64) {
      throw new MysqlProtocolError(`cannot length-encode ${v}`);
    }
    const n = BigInt(v);
    if (n < 0xfbn) return this.u8(Number(n));
    if (n <= 0xffffn) return this.u8(0xfc).u16(Number(n));
    if (n <= 0xffffffn) return this.u8(0xfd).u24(Number(n));
    this.u8(0xfe);
    this.grow(8);
    this.len = this.buf.writeBigUInt64LE(n, this.len);
    return this;
  }

  bytes(b: Uint8Array): this {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** A string in UTF-8 with nothing around it (string<EOF>, fixed fields). */
  string(s: string): this {
    const n = Buffer.byteLength(s);
    this.grow(n);
    this.len += this.buf.write(s, this.len, 'utf8');
    return this;
  }

  nulString(s: string): this { return this.string(s).u8(0); }

  lenencBytes(b: Uint8Array): this { return this.lenencInt(b.length).bytes(b); }

  lenencString(s: string): this { return this.lenencBytes(Buffer.from(s, 'utf8')); }

  zeros(n: number): this {
    this.grow(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
    return this;
  }

  /** The payload written so far, unframed (a view: valid until the next write). */
  payload(): Buffer { return this.buf.subarray(HEADER_SIZE, this.len); }

  /**
   * The packet(s) for the payload, the first with sequence id `sequenceId`. A payload of
   * 16 MB - 1 or more is split as the protocol wants, with an empty last packet when its
   * length is a multiple of 16 MB - 1. The writer is spent afterwards.
   */
  finish(sequenceId: number): Buffer {
    const payload = this.len - HEADER_SIZE;
    if (payload < MAX_PACKET_PAYLOAD) {
      this.buf.writeUIntLE(payload, 0, 3);
      this.buf[3] = sequenceId & 0xff;
      return this.buf.subarray(0, this.len);
    }
    const packets = Math.floor(payload / MAX_PACKET_PAYLOAD) + 1;
    const out = Buffer.allocUnsafe(payload + packets * HEADER_SIZE);
    let src = HEADER_SIZE;
    let dst = 0;
    for (let i = 0; i < packets; i++) {
      const n = Math.min(MAX_PACKET_PAYLOAD, this.len - src);
      out.writeUIntLE(n, dst, 3);
      out[dst + 3] = (sequenceId + i) & 0xff;
      this.buf.copy(out, dst + HEADER_SIZE, src, src + n);
      dst += HEADER_SIZE + n;
      src += n;
    }
    return out;
  }

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

/** The packet(s) for a payload already in one buffer. */
export function framePayload(payload: Uint8Array, sequenceId: number): Buffer {
  return new PacketWriter(payload.length).bytes(payload).finish(sequenceId);
}
