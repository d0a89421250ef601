/**
 * Sequence ids of one exchange: a command starts at 0, every packet after it (either side's,
 * continuation packets included) takes the next id, modulo 256. A peer that skips or repeats
 * one has lost track of the exchange, and the connection can no longer be trusted.
 */
import { MysqlProtocolError } from '../../errors.js';

export const ER_NET_PACKETS_OUT_OF_ORDER = 1156;

export class SequenceCounter {
  private nextId = 0;

  /** Start a new exchange; the next packet (a command, or the server's greeting) has id `next`. */
  reset(next = 0): void { this.nextId = next & 0xff; }

  /** The id the next packet must carry. */
  get expected(): number { return this.nextId; }

  /** Check the id of a received packet and step past it; throws when it is out of order. */
  check(sequenceId: number): void {
    if (sequenceId !== this.nextId) {
      throw new MysqlProtocolError(`packet sequence id ${sequenceId}, expected ${this.nextId}`, ER_NET_PACKETS_OUT_OF_ORDER);
    }
    this.nextId = (this.nextId + 1) & 0xff;
  }

  /** The id for a packet Sluice sends, stepping past it. */
  take(): number {
    const id = this.nextId;
    this.nextId = (id + 1) & 0xff;
    return id;
  }
}
