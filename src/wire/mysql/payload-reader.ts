/**
 * A bounds-checked cursor over one packet payload, buf[start, end): every read past the end
 * throws MysqlProtocolError, so the parsers built on it never throw anything else on bad
 * input. Strings and byte runs are views of the payload, not copies. Off the forwarding path
 * (handshakes, OK/ERR bodies); the path itself reads header bytes directly.
 */
import { MysqlProtocolError } from '../../errors.js';

const TWO_POW_32 = 0x1_0000_0000;

export class PayloadReader {
  pos: number;
  readonly end: number;
  private readonly buf: Buffer;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get remaining(): number { return this.end - this.pos; }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const v = this.buf.readUIntLE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * A length-encoded integer as a bigint: insert ids and row counts may pass 2^53. Throws on
   * 0xfb (NULL, only meaningful in rows) and 0xff (not an integer).
   */
  lenencBigInt(): bigint {
    const first = this.u8();
    if (first < 0xfb) return BigInt(first);
    switch (first) {
      case 0xfc: return BigInt(this.u16());
      case 0xfd: return BigInt(this.u24());
      case 0xfe: return this.u64();
      default: throw new MysqlProtocolError(`invalid length-encoded integer prefix 0x${first.toString(16)}`);
    }
  }

  /** A length-encoded integer used as a length or count: throws when it passes 2^53. */
  lenencInt(): number {
    const first = this.u8();
    if (first < 0xfb) return first;
    switch (first) {
      case 0xfc: return this.u16();
      case 0xfd: return this.u24();
      case 0xfe: {
        const low = this.u32();
        const high = this.u32();
        if (high >= 0x20_0000) throw new MysqlProtocolError('length-encoded integer too large');
        return high * TWO_POW_32 + low;
      }
      default: throw new MysqlProtocolError(`invalid length-encoded integer prefix 0x${first.toString(16)}`);
    }
  }

  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  lenencBytes(): Buffer { return this.bytes(this.lenencInt()); }

  lenencString(): string { return this.lenencBytes().toString('utf8'); }

  /** Bytes up to a NUL, which is consumed; throws when there is none. */
  nulBytes(): Buffer {
    const at = this.nulAt();
    if (at < 0) throw new MysqlProtocolError('string without its terminating NUL');
    const v = this.buf.subarray(this.pos, at);
    this.pos = at + 1;
    return v;
  }

  nulString(): string { return this.nulBytes().toString('utf8'); }

  /** Up to a NUL if there is one, else to the end: servers and clients differ on the last string of a packet. */
  nulOrRestString(): string {
    const at = this.nulAt();
    const stop = at < 0 ? this.end : at;
    const v = this.buf.toString('utf8', this.pos, stop);
    this.pos = stop === this.end ? this.end : stop + 1;
    return v;
  }

  rest(): Buffer { return this.bytes(this.end - this.pos); }

  restString(): string { return this.rest().toString('utf8'); }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /** Offset of the next NUL before the end, or -1; the search stops at the end even inside a larger chunk. */
  private nulAt(): number {
    const i = this.buf.subarray(this.pos, this.end).indexOf(0);
    return i < 0 ? -1 : this.pos + i;
  }

  private need(n: number): void {
    if (n > this.end - this.pos) throw new MysqlProtocolError(`packet too short: ${n} more bytes needed, ${this.end - this.pos} left`);
  }
}
