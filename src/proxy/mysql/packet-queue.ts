/**
 * Whole packets of a login exchange, waited for one at a time. Login packets are small and
 * few, so each is copied out of its chunk; the forwarding path never goes through here.
 */
import { MysqlProtocolError } from '../../errors.js';
import { HEADER_SIZE, MAX_PACKET_PAYLOAD } from '../../wire/mysql/index.js';

export interface Packet {
  seq: number;
  payload: Buffer;
}

export class PacketQueue {
  private readonly items: Packet[] = [];
  private waiter: { resolve: (p: Packet) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  /** Sequence id of the last packet received: Sluice's answer to it takes the next. */
  lastSeq = 0;

  /** A framed packet at buf[start, end), header included. */
  push(seq: number, buf: Buffer, start: number, end: number): void {
    if (end - start - HEADER_SIZE >= MAX_PACKET_PAYLOAD) {
      this.fail(new MysqlProtocolError('a login packet of 16 MB or more', 1043));
      return;
    }
    this.lastSeq = seq;
    const packet = { seq, payload: Buffer.from(buf.subarray(start + HEADER_SIZE, end)) };
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w.resolve(packet);
    } else {
      this.items.push(packet);
    }
  }

  /** Every later next() rejects with `err` (the socket closed or timed out). */
  fail(err: Error): void {
    if (this.failure !== null) return;
    this.failure = err;
    const w = this.waiter;
    this.waiter = null;
    w?.reject(err);
  }

  next(): Promise<Packet> {
    const p = this.items.shift();
    if (p !== undefined) return Promise.resolve(p);
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
  }
}
