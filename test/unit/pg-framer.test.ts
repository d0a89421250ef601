// Property tests of the PostgreSQL message framer: any chunking of a valid stream yields the
// same messages as one chunk (whole or streamed), the views it hands out stay valid, a halt
// leaves the unread rest to the caller, and arbitrary bytes raise nothing but ProtocolError.
import fc from 'fast-check';
import t from 'tap';
import { chunk } from '../helpers/chunks.js';
import { ProtocolError } from '../../src/errors.js';
import { type FrameHandler, MessageFramer } from '../../src/wire/postgres/framer.js';

interface Message { type: number; body: Uint8Array }

function encode(messages: readonly Message[]): Buffer {
  return Buffer.concat(messages.map(({ type, body }) => {
    const b = Buffer.alloc(5 + body.length);
    b[0] = type;
    b.writeInt32BE(4 + body.length, 1);
    b.set(body, 5);
    return b;
  }));
}


/** Records messages as views (not copies): if the framer reused a buffer it handed out, they would change. */
class Recorder implements FrameHandler {
  readonly views: Buffer[] = [];
  readonly streamed: number[] = [];
  private pieces: Buffer[] | null = null;
  constructor(private readonly streamTypes: ReadonlySet<number>, private readonly haltAfter = -1, private readonly framer?: () => MessageFramer) {}
  onMessage(_type: number, buf: Buffer, start: number, end: number): void {
    if (this.pieces !== null) throw new Error('whole message delivered in the middle of a streamed one');
    this.views.push(buf.subarray(start, end));
    if (this.views.length === this.haltAfter) this.framer!().halt();
  }
  wantsStream(type: number, length: number): boolean {
    if (length < 5) throw new Error(`impossible length ${length}`);
    return this.streamTypes.has(type);
  }
  onStreamData(buf: Buffer, start: number, end: number, last: boolean): void {
    (this.pieces ??= []).push(buf.subarray(start, end));
    if (last) {
      this.views.push(Buffer.concat(this.pieces));
      this.streamed.push(this.views.length - 1);
      this.pieces = null;
    }
  }
}

const messageArb = fc.record({
  type: fc.integer({ min: 0x20, max: 0x7e }),
  body: fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 1200 }) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  ),
});

t.test('any chunking of a valid stream yields the same messages as one chunk', async (t) => {
  fc.assert(fc.property(
    fc.array(messageArb, { maxLength: 25 }),
    fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 12 }),
    fc.integer({ min: 5, max: 400 }),
    fc.subarray([0x64, 0x44, 0x51, 0x50]),
    (messages, sizes, streamThreshold, streamTypes) => {
      const bytes = encode(messages);
      const rec = new Recorder(new Set(streamTypes));
      const framer = new MessageFramer(rec, 1 << 20, streamThreshold);
      for (const c of chunk(bytes, sizes)) framer.push(c);
      if (framer.midMessage) return false;
      const want = messages.map((m) => encode([m]));
      if (rec.views.length !== want.length) return false;
      return rec.views.every((v, i) => v.equals(want[i]!));
    },
  ), { numRuns: 800 });
  t.pass('800 random streams and chunkings');
});

t.test('midMessage is true exactly while a message is incomplete', async (t) => {
  fc.assert(fc.property(fc.array(messageArb, { minLength: 1, maxLength: 6 }), fc.nat(), (messages, cutSeed) => {
    const bytes = encode(messages);
    const cut = cutSeed % bytes.length;
    const boundaries = new Set<number>([0]);
    let o = 0;
    for (const m of messages) boundaries.add(o += 5 + m.body.length);
    const framer = new MessageFramer(new Recorder(new Set()), 1 << 20);
    framer.push(Buffer.from(bytes.subarray(0, cut)));
    if (cut > 0 && framer.midMessage !== !boundaries.has(cut)) return false;
    framer.push(Buffer.from(bytes.subarray(cut)));
    return !framer.midMessage;
  }), { numRuns: 500 });
  t.pass();
});

t.test('after a halt, the unread rest of the chunk is the caller\'s', async (t) => {
  fc.assert(fc.property(
    fc.array(messageArb, { minLength: 1, maxLength: 12 }),
    fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 8 }),
    fc.nat(),
    (messages, sizes, haltSeed) => {
      const haltAfter = 1 + (haltSeed % messages.length);
      const bytes = encode(messages);
      let framer!: MessageFramer;
      const rec = new Recorder(new Set(), haltAfter, () => framer);
      framer = new MessageFramer(rec, 1 << 20);
      const chunks = chunk(bytes, sizes);
      let rest: Buffer[] = [];
      for (const [i, c] of chunks.entries()) {
        framer.push(c);
        if (rec.views.length === haltAfter) {
          const left = framer.takeLeftover();
          rest = [...(left ? [left] : []), ...chunks.slice(i + 1)];
          break;
        }
      }
      const consumed = encode(messages.slice(0, haltAfter)).length;
      return rec.views.length === haltAfter && Buffer.concat(rest).equals(bytes.subarray(consumed));
    },
  ), { numRuns: 500 });
  t.pass();
});

t.test('a length field that is impossible or too large is a ProtocolError', async (t) => {
  for (const len of [-1, 0, 3, -0x80000000]) {
    const b = Buffer.from([0x51, 0, 0, 0, 0]);
    b.writeInt32BE(len, 1);
    t.throws(() => new MessageFramer(new Recorder(new Set()), 1000).push(b), ProtocolError, `length ${len}`);
    // Split inside the header too.
    const f = new MessageFramer(new Recorder(new Set()), 1000);
    f.push(b.subarray(0, 2));
    t.throws(() => f.push(b.subarray(2)), ProtocolError, `length ${len}, split header`);
  }
  const big = Buffer.from([0x51, 0, 0, 0x03, 0xe8]); // 1000 + 1 > 1000
  t.throws(() => new MessageFramer(new Recorder(new Set()), 1000).push(big), /exceeds max_packet_size 1000/);
  const fits = encode([{ type: 0x51, body: new Uint8Array(995) }]);
  t.doesNotThrow(() => new MessageFramer(new Recorder(new Set()), 1000).push(fits), 'exactly max_packet_size is allowed');
});

t.test('random and mutated bytes never throw anything but ProtocolError', async (t) => {
  const mutated = fc.tuple(fc.array(messageArb, { maxLength: 8 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }))
    .map(([messages, edits]) => {
      const b = encode(messages);
      for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
      return b;
    });
  fc.assert(fc.property(
    fc.oneof(fc.uint8Array({ maxLength: 600 }).map((u) => Buffer.from(u)), mutated),
    fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 6 }),
    fc.integer({ min: 5, max: 300 }),
    fc.boolean(),
    (bytes, sizes, maxSize, stream) => {
      const framer = new MessageFramer(new Recorder(new Set(stream ? [0x64, 0x51] : [])), maxSize, 16);
      try {
        for (const c of chunk(bytes, sizes)) framer.push(c);
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
      }
      return true;
    },
  ), { numRuns: 2000 });
  t.pass();
});
