// Tests of the MySQL packet framer, the packet writer and the sequence counter. Properties: every
// chunking of a valid packet stream yields the same packets (whole or streamed) with the same
// sequence ids and first/last marks; packets inside one chunk are views of it; the payload
// limit is enforced on the header, before the packet is buffered, and counts every packet of a
// multi-packet payload; arbitrary bytes raise nothing but MysqlProtocolError. Examples: the
// 16 MB split as PacketWriter produces it, a halt that leaves the rest to the caller.
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { chunk } from '../helpers/chunks.js';
import { MysqlProtocolError } from '../../src/errors.js';
import { MAX_PACKET_PAYLOAD } from '../../src/wire/mysql/constants.js';
import {
  ER_NET_PACKET_TOO_LARGE, PACKET_FIRST, PACKET_LAST, type PacketHandler, PacketFramer,
} from '../../src/wire/mysql/packet-framer.js';
import { PacketWriter, framePayload } from '../../src/wire/mysql/packet-writer.js';
import { ER_NET_PACKETS_OUT_OF_ORDER, SequenceCounter } from '../../src/wire/mysql/sequence-id.js';

/** The error fn throws, checked to be a MysqlProtocolError with this errno. */
function mysqlError(t: Test, fn: () => void, errno: number, sqlState = '08S01'): void {
  try {
    fn();
    t.fail('no error thrown');
  } catch (err) {
    t.ok(err instanceof MysqlProtocolError && err.errno === errno && err.sqlState === sqlState, `MysqlProtocolError ${errno} ${sqlState}`);
  }
}

interface Seen { seq: number; bytes: Buffer; part: number; streamed: boolean }

class Recorder implements PacketHandler {
  readonly packets: Seen[] = [];
  readonly chunks = new Set<ArrayBufferLike>();
  private pieces: Buffer[] | null = null;
  private streamInfo: [number, number] = [0, 0];
  constructor(private readonly stream: boolean, private readonly haltAfter = -1, private readonly framer?: () => PacketFramer) {}
  onPacket(seq: number, buf: Buffer, start: number, end: number, part: number): void {
    if (this.pieces !== null) throw new Error('whole packet in the middle of a streamed one');
    this.packets.push({ seq, bytes: buf.subarray(start, end), part, streamed: false });
    if (this.packets.length === this.haltAfter) this.framer!().halt();
  }
  wantsStream(seq: number, _payloadLength: number, part: number): boolean {
    this.streamInfo = [seq, part];
    return this.stream;
  }
  onStreamData(buf: Buffer, start: number, end: number, last: boolean): void {
    (this.pieces ??= []).push(Buffer.from(buf.subarray(start, end)));
    if (last) {
      this.packets.push({ seq: this.streamInfo[0], bytes: Buffer.concat(this.pieces), part: this.streamInfo[1], streamed: true });
      this.pieces = null;
    }
  }
}

function packet(seq: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(4 + payload.length);
  b.writeUIntLE(payload.length, 0, 3);
  b[3] = seq;
  b.set(payload, 4);
  return b;
}

const packetArb = fc.record({
  seq: fc.integer({ min: 0, max: 255 }),
  payload: fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 1500 }) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  ),
});

t.test('every chunking of a valid stream yields the same packets as one chunk', async (t) => {
  fc.assert(fc.property(
    fc.array(packetArb, { maxLength: 25 }),
    fc.array(fc.integer({ min: 0, max: 70 }), { maxLength: 12 }),
    fc.integer({ min: 4, max: 600 }),
    fc.boolean(),
    (packets, sizes, threshold, stream) => {
      const wire = Buffer.concat(packets.map((p) => packet(p.seq, p.payload)));
      const rec = new Recorder(stream);
      const framer = new PacketFramer(rec, 1 << 20, threshold);
      for (const c of chunk(wire, sizes)) framer.push(c);
      if (framer.midPacket || rec.packets.length !== packets.length) return false;
      return rec.packets.every((s, i) => s.seq === packets[i]!.seq && s.part === (PACKET_FIRST | PACKET_LAST)
        && s.bytes.equals(packet(packets[i]!.seq, packets[i]!.payload)) && (!s.streamed || stream));
    },
  ), { numRuns: 600 });
  t.pass('600 random streams and chunkings');
});

t.test('packets inside one chunk are views of that chunk, not copies', async (t) => {
  const wire = Buffer.concat([packet(0, Buffer.from('abc')), packet(1, Buffer.from('defgh'))]);
  const rec = new Recorder(false);
  new PacketFramer(rec, 1024).push(wire);
  t.equal(rec.packets.length, 2);
  t.equal(rec.packets[0]!.bytes.buffer, wire.buffer);
  t.equal(rec.packets[1]!.bytes.byteOffset, wire.byteOffset + 7);
});

t.test('the payload limit is checked on the header, before buffering', async (t) => {
  const framer = new PacketFramer(new Recorder(false), 100);
  // Only the header of a 101-byte packet: it throws without waiting for the payload.
  mysqlError(t, () => framer.push(Buffer.from([101, 0, 0, 0])), ER_NET_PACKET_TOO_LARGE);
  const ok = new PacketFramer(new Recorder(false), 100);
  t.doesNotThrow(() => ok.push(packet(0, Buffer.alloc(100))));
  const split = new PacketFramer(new Recorder(false), 100);
  split.push(Buffer.from([101, 0]));
  t.throws(() => split.push(Buffer.from([0, 0])), MysqlProtocolError);
});

t.test('a 16 MB payload spans packets, marked first and last, and the limit counts them all', async (t) => {
  const payload = Buffer.alloc(MAX_PACKET_PAYLOAD + 10, 7);
  payload[0] = 3;
  const wire = framePayload(payload, 5);
  t.equal(wire.length, payload.length + 8, 'two headers');
  t.equal(wire.readUIntLE(0, 3), MAX_PACKET_PAYLOAD);
  t.equal(wire[3], 5);
  t.equal(wire.readUIntLE(4 + MAX_PACKET_PAYLOAD, 3), 10);
  t.equal(wire[4 + MAX_PACKET_PAYLOAD + 3], 6);
  for (const sizes of [[], [65536], [3, 1 << 20, 5]]) {
    for (const stream of [false, true]) {
      const rec = new Recorder(stream);
      const framer = new PacketFramer(rec, 32 << 20);
      for (const c of chunk(wire, sizes)) framer.push(c);
      t.same(rec.packets.map((p) => [p.seq, p.part, p.bytes.length]), [[5, PACKET_FIRST, MAX_PACKET_PAYLOAD + 4], [6, PACKET_LAST, 14]], `chunks ${JSON.stringify(sizes)} stream ${stream}`);
      t.equal(framer.midPacket, false);
    }
  }
  const framer = new PacketFramer(new Recorder(true), MAX_PACKET_PAYLOAD + 5);
  t.throws(() => framer.push(wire), MysqlProtocolError, 'the continuation passes the limit');
});

t.test('a payload of exactly 16 MB - 1 ends with an empty packet', async (t) => {
  const wire = new PacketWriter().bytes(Buffer.alloc(MAX_PACKET_PAYLOAD)).finish(0);
  t.equal(wire.length, MAX_PACKET_PAYLOAD + 8);
  const rec = new Recorder(false);
  new PacketFramer(rec, 1 << 25).push(wire);
  t.same(rec.packets.map((p) => [p.seq, p.part, p.bytes.length]), [[0, PACKET_FIRST, MAX_PACKET_PAYLOAD + 4], [1, PACKET_LAST, 4]]);
});

t.test('a halt leaves the unread bytes to the caller', async (t) => {
  fc.assert(fc.property(fc.array(packetArb, { minLength: 2, maxLength: 8 }), fc.nat(), fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 5 }), (packets, k, sizes) => {
    const haltAfter = 1 + (k % (packets.length - 1));
    const encoded = packets.map((p) => packet(p.seq, p.payload));
    const wire = Buffer.concat(encoded);
    let framer: PacketFramer | null = null;
    const rec = new Recorder(false, haltAfter, () => framer!);
    framer = new PacketFramer(rec, 1 << 20);
    const rest: Buffer[] = [];
    let halted = false;
    for (const c of chunk(wire, sizes)) {
      // After the halt, the caller reads the stream itself: later chunks are all its own.
      if (halted) { rest.push(c); continue; }
      framer.push(c);
      halted = rec.packets.length === haltAfter;
      const left = framer.takeLeftover();
      if (left) rest.push(left);
    }
    const consumed = encoded.slice(0, haltAfter).reduce((n, b) => n + b.length, 0);
    return rec.packets.length === haltAfter && Buffer.concat(rest).equals(wire.subarray(consumed));
  }), { numRuns: 300 });
  t.pass('300 halts');
});

t.test('arbitrary bytes raise nothing but MysqlProtocolError', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 6 }), fc.integer({ min: 0, max: 400 }), (bytes, sizes, max) => {
    const framer = new PacketFramer(new Recorder(max % 2 === 0), max, 16);
    try {
      for (const c of chunk(Buffer.from(bytes), sizes)) framer.push(c);
    } catch (err) {
      return err instanceof MysqlProtocolError;
    }
    return true;
  }), { numRuns: 500 });
  t.pass('500 random inputs');
});

t.test('sequence ids: checked in order, wrapping at 256, reset per command', async (t) => {
  const seq = new SequenceCounter();
  for (let i = 0; i < 300; i++) seq.check(i & 0xff);
  t.equal(seq.expected, 300 & 0xff);
  mysqlError(t, () => seq.check(0), ER_NET_PACKETS_OUT_OF_ORDER);
  seq.reset();
  seq.check(0);
  t.equal(seq.take(), 1, 'a packet Sluice sends takes the next id');
  seq.check(2);
  seq.reset(255);
  seq.check(255);
  t.equal(seq.expected, 0);
});
