/** A waiting client's queued input: order kept, and a server leased only once the first message is whole. */
import t from 'tap';
import fc from 'fast-check';
import { PendingInput } from '../../src/proxy/postgres/pending-input.js';
import { chunk } from '../helpers/chunks.js';

const MAX_PACKET = 1 << 20;

function message(type: number, body: Buffer): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out[0] = type;
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

t.test('the first message is complete exactly when all its bytes are here, however they were cut', async (t) => {
  fc.assert(fc.property(
    fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 4 }),
    fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 8 }),
    fc.nat(),
    (bodies, sizes, keepSeed) => {
      const stream = Buffer.concat(bodies.map((b) => message(0x51, Buffer.from(b))));
      const firstLength = 5 + bodies[0]!.length;
      const chunks = chunk(stream, sizes);
      const keep = keepSeed % (chunks.length + 1);
      const input = new PendingInput();
      for (const c of chunks.slice(0, keep)) input.push(c);
      const have = chunks.slice(0, keep).reduce((n, c) => n + c.length, 0);
      if (input.firstMessageComplete(MAX_PACKET) !== have >= firstLength) return false;
      return Buffer.concat(input.take()).equals(stream.subarray(0, have)) && input.empty && input.bytes === 0;
    },
  ));
});

t.test('an impossible or oversized length does not make the client wait for more', async (t) => {
  const input = new PendingInput();
  const tooShort = Buffer.from([0x51, 0, 0, 0, 2]);
  input.push(tooShort);
  t.ok(input.firstMessageComplete(MAX_PACKET), 'length below 4: the framer refuses it once leased');
  const big = new PendingInput();
  big.push(Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff]));
  t.ok(big.firstMessageComplete(MAX_PACKET), 'over max_packet_size');
  const part = new PendingInput();
  part.push(Buffer.from([0x51, 0]));
  t.notOk(part.firstMessageComplete(MAX_PACKET), 'no length yet');
});
