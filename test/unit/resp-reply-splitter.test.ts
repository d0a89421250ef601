// Tests of the Redis reply splitter. Properties: random nested RESP2/RESP3 replies (attributes
// and push frames included) cut into random chunks give exactly their frame boundaries and
// push flags; any byte stream gives the same frames, and the same error or incompleteness, as
// an independent recursive-descent reading of the whole stream, whatever the chunking; nothing
// but RespProtocolError is thrown. Examples: replies captured from a Redis 7.0 server and the
// RESP3 specification's samples. The reply builders are checked here too: they must give the
// bytes Redis gives, and each must split as exactly one reply.
import { deepStrictEqual } from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import { chunk } from '../helpers/chunks.js';
import { RespProtocolError } from '../../src/errors.js';
import { MAX_REPLY_DEPTH, RespReplySplitter } from '../../src/wire/redis/reply-splitter.js';
import {
  OK_REPLY, type ReplyValue, arrayOfBulks, bulkReply, errorReply, integerReply, mapReply, nullArray, nullBulk, simpleString,
} from '../../src/wire/redis/reply-writer.js';

interface Outcome { frames: [end: number, push: boolean][]; error: boolean; midReply: boolean }

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');


/** Feed the chunks as the proxy would: scan each from where the last reply ended. */
function split(chunks: readonly Buffer[]): Outcome {
  const splitter = new RespReplySplitter();
  const frames: [number, boolean][] = [];
  let base = 0;
  try {
    for (const c of chunks) {
      for (let off = 0; off < c.length;) {
        const end = splitter.scan(c, off, c.length);
        if (end < 0) break;
        frames.push([base + end, splitter.push]);
        off = end;
      }
      base += c.length;
    }
  } catch (err) {
    if (!(err instanceof RespProtocolError)) throw err;
    return { frames, error: true, midReply: false };
  }
  return { frames, error: false, midReply: splitter.midReply };
}

// ---------------------------------------------------------------------------------------------
// An independent reading: recursive descent over the whole stream.

class Incomplete extends Error {}
class Bad extends Error {}

function reference(b: Buffer): Outcome {
  const frames: [number, boolean][] = [];
  let i = 0;
  const byte = (at: number): number => {
    if (at >= b.length) throw new Incomplete();
    return b[at]!;
  };
  const header = (type: number): number => {
    let neg = false, digits = 0, value = 0;
    for (;;) {
      const c = byte(i++);
      if (c >= 0x30 && c <= 0x39) {
        if (++digits > 15) throw new Bad();
        value = value * 10 + c - 0x30;
      } else if (c === 0x2d && digits === 0 && !neg) {
        neg = true;
      } else if (c === 0x0d && digits > 0) {
        if (byte(i++) !== 0x0a) throw new Bad();
        if (!neg) return value;
        if (value === 1 && (type === 0x24 || type === 0x2a)) return -1;
        throw new Bad();
      } else {
        throw new Bad();
      }
    }
  };
  const elements = (n: number, depth: number): void => {
    if (n === 0) return;
    if (depth === MAX_REPLY_DEPTH) throw new Bad();
    for (let k = 0; k < n; k++) value(depth + 1);
  };
  /** One value at `depth` enclosing aggregates, its attributes first; its type byte returned. */
  const value = (depth: number): number => {
    const type = byte(i++);
    switch (String.fromCharCode(type)) {
      case '+': case '-': case ':': case '_': case '#': case ',': case '(': {
        const start = i;
        while (byte(i) !== 0x0a) i++;
        if (i === start || b[i - 1] !== 0x0d) throw new Bad();
        i++;
        return type;
      }
      case '$': case '!': case '=': {
        const n = header(type);
        if (n < 0) return type;
        i += n;
        if (byte(i) !== 0x0d) throw new Bad();
        i++;
        if (byte(i) !== 0x0a) throw new Bad();
        i++;
        return type;
      }
      case '*': case '~': case '>': {
        const n = header(type);
        if (n > 0) elements(n, depth);
        return type;
      }
      case '%':
        elements(2 * header(type), depth);
        return type;
      case '|':
        elements(2 * header(type), depth);
        return value(depth);
      default:
        throw new Bad();
    }
  };
  for (;;) {
    try {
      if (i === b.length) return { frames, error: false, midReply: false };
      const type = value(0);
      frames.push([i, type === 0x3e]);
    } catch (err) {
      if (err instanceof Bad) return { frames, error: true, midReply: false };
      if (err instanceof Incomplete) return { frames, error: false, midReply: true };
      throw err;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Generators of well-formed replies.

const text = fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '.'));
const bytes = fc.oneof({ weight: 4, arbitrary: fc.uint8Array({ maxLength: 16 }) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }) });
const bulk = (type: string) => (b: Uint8Array): Buffer => Buffer.concat([ascii(`${type}${b.length}\r\n`), Buffer.from(b), ascii('\r\n')]);

const leafArb: fc.Arbitrary<Buffer> = fc.oneof(
  text.map((s) => ascii(`+${s}\r\n`)),
  text.map((s) => ascii(`-ERR ${s}\r\n`)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => ascii(`:${n}\r\n`)),
  fc.constantFrom('_\r\n', '#t\r\n', '#f\r\n', ',inf\r\n', ',-inf\r\n', ',nan\r\n', '$-1\r\n', '*-1\r\n', '*0\r\n', '%0\r\n', '~0\r\n').map(ascii),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => ascii(`,${d}\r\n`)),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map((n) => ascii(`(${n}\r\n`)),
  bytes.map(bulk('$')),
  bytes.map(bulk('!')),
  bytes.map((b) => bulk('=')(Buffer.concat([ascii('txt:'), Buffer.from(b)]))),
);

const valueArb: fc.Arbitrary<Buffer> = fc.letrec<{ value: Buffer; plain: Buffer }>((tie) => ({
  value: fc.oneof(
    { weight: 6, arbitrary: tie('plain') },
    // Attributes precede the value they describe and are part of it.
    { weight: 1, arbitrary: fc.tuple(fc.array(fc.tuple(tie('plain'), tie('plain')), { minLength: 1, maxLength: 2 }), tie('plain'))
      .map(([attrs, v]) => Buffer.concat([ascii(`|${attrs.length}\r\n`), ...attrs.flat(), v])) },
  ),
  plain: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: leafArb },
    fc.tuple(fc.constantFrom('*', '~'), fc.array(tie('value'), { maxLength: 4 }))
      .map(([type, items]) => Buffer.concat([ascii(`${type}${items.length}\r\n`), ...items])),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 })
      .map((pairs) => Buffer.concat([ascii(`%${pairs.length}\r\n`), ...pairs.flat()])),
  ),
})).value;

/** A top-level frame: a value or a push (only ever top-level), maybe with attributes first. */
const frameArb = fc.oneof(
  { weight: 4, arbitrary: valueArb.map((b) => ({ bytes: b, push: false })) },
  { weight: 1, arbitrary: fc.array(valueArb, { minLength: 1, maxLength: 4 }).map((items) => ({ bytes: Buffer.concat([ascii(`>${items.length}\r\n`), ...items]), push: true })) },
  { weight: 1, arbitrary: fc.tuple(leafArb, leafArb, fc.array(leafArb, { minLength: 1, maxLength: 3 }))
    .map(([k, v, items]) => ({ bytes: Buffer.concat([ascii('|1\r\n'), k, v, ascii(`>${items.length}\r\n`), ...items]), push: true })) },
);

const sizesArb = fc.oneof(fc.constant([1]), fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 8 }));

const soupArb = fc.array(fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...ascii('*$%~>|+-:_#,(!=\r\n-?')) },
  { weight: 6, arbitrary: fc.integer({ min: 0x30, max: 0x33 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 255 }) },
), { maxLength: 120 }).map((b) => Buffer.from(b));

const mutatedArb = fc.tuple(fc.array(frameArb, { maxLength: 6 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), { minLength: 1, maxLength: 3 }))
  .map(([frames, edits]) => {
    const b = [...Buffer.concat(frames.map((f) => f.bytes))];
    for (const [at, v, insert] of edits) {
      if (insert) b.splice(b.length === 0 ? 0 : at % b.length, 0, v);
      else if (b.length > 0) b[at % b.length] = v;
    }
    return Buffer.from(b);
  });

// ---------------------------------------------------------------------------------------------

t.test('random replies cut anywhere give exactly their frame ends and push flags', async (t) => {
  fc.assert(fc.property(fc.array(frameArb, { maxLength: 12 }), sizesArb, (frames, sizes) => {
    let end = 0;
    const want = frames.map((f): [number, boolean] => [(end += f.bytes.length), f.push]);
    deepStrictEqual(split(chunk(Buffer.concat(frames.map((f) => f.bytes)), sizes)), { frames: want, error: false, midReply: false });
  }), { numRuns: 500 });
  t.pass();
});

t.test('any bytes split as a recursive reading of the whole stream does, whatever the chunking', async (t) => {
  fc.assert(fc.property(fc.oneof(soupArb, mutatedArb), sizesArb, (bytes, sizes) => {
    const want = reference(bytes);
    deepStrictEqual(split(chunk(bytes, sizes)), want);
    deepStrictEqual(split([bytes]), want);
  }), { numRuns: 2000 });
  t.pass();
});

t.test('a cut reply reports its push flag once its type byte is read', async (t) => {
  const splitter = new RespReplySplitter();
  const bytes = ascii('>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n');
  t.equal(splitter.scan(bytes, 0, 10), -1);
  t.ok(splitter.midReply && splitter.push, 'in the middle of a push frame');
  t.equal(splitter.scan(bytes, 10, bytes.length), bytes.length);
  t.ok(!splitter.midReply && splitter.push);
  const reply = ascii('+OK\r\n');
  t.equal(splitter.scan(reply, 0, 2), -1);
  t.ok(splitter.midReply && !splitter.push, 'the next reply resets the flag');
  t.equal(splitter.scan(reply, 2, 5), 5);
});

t.test('replies from a Redis 7.0 server and the RESP3 specification', async (t) => {
  const frames: [string, boolean][] = [
    // HELLO 2 and HELLO 3
    ['*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:68\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n', false],
    ['%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:69\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n', false],
    // SUBSCRIBE a b in RESP3: one push frame per channel
    ['>3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n', true],
    ['>3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n', true],
    ['-NOPROTO unsupported protocol version\r\n', false],
    ['$-1\r\n', false],
    ['*-1\r\n', false],
    ['_\r\n', false],
    [',3.14\r\n', false],
    ['(3492890328409238509324850943850943825024385\r\n', false],
    ['#t\r\n', false],
    ['!21\r\nSYNTAX invalid syntax\r\n', false],
    ['=15\r\ntxt:Some string\r\n', false],
    ['~3\r\n+orange\r\n+apple\r\n+one\r\n', false],
    ['|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n', false],
    ['*3\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n:2\r\n:3\r\n', false],
    ['$0\r\n\r\n', false],
  ];
  const bytes = ascii(frames.map(([f]) => f).join(''));
  let end = 0;
  const want = frames.map(([f, push]): [number, boolean] => [(end += f.length), push]);
  for (const sizes of [[], [1], [7]]) t.strictSame(split(chunk(bytes, sizes)), { frames: want, error: false, midReply: false });
});

t.test('what is not RESP is refused with a RespProtocolError', async (t) => {
  const bad = ['A\r\n', '+OK\n', '$3\r\nabcd\r\n', '$3\r\nabc\n\n', '$-2\r\n', '%-1\r\n', '*1x\r\n', '$?\r\n', '*?\r\n', '$1\r\r', '$\r\n', '$1234567890123456\r\n', '*-\r\n', '$--1\r\n'];
  for (const b of bad) {
    const splitter = new RespReplySplitter();
    const err = t.throws(() => splitter.scan(ascii(b), 0, b.length), JSON.stringify(b)) as RespProtocolError;
    t.equal(err.code, 'SLUICE_RESP_PROTOCOL');
    t.match(err.message, /^ERR Protocol error: invalid reply from server: /);
  }
});

t.test(`nesting is refused beyond ${MAX_REPLY_DEPTH} levels`, async (t) => {
  const nested = (levels: number): Buffer => ascii('*1\r\n'.repeat(levels) + ':1\r\n');
  const deepest = nested(MAX_REPLY_DEPTH);
  t.equal(new RespReplySplitter().scan(deepest, 0, deepest.length), deepest.length);
  const deeper = nested(MAX_REPLY_DEPTH + 1);
  t.throws(() => new RespReplySplitter().scan(deeper, 0, deeper.length), RespProtocolError);
});

t.test('a huge bulk is skipped, not buffered', async (t) => {
  const splitter = new RespReplySplitter();
  const head = ascii('$1000000000\r\n');
  t.equal(splitter.scan(head, 0, head.length), -1);
  const piece = Buffer.alloc(1 << 20, 0x61);
  let ends = 0;
  for (let i = 0; i < 953; i++) if (splitter.scan(piece, 0, piece.length) >= 0) ends++;
  t.equal(ends, 0, '953 MB of payload end no reply');
  const tail = Buffer.concat([Buffer.alloc(1000000000 - 953 * (1 << 20), 0x61), ascii('\r\n+OK\r\n')]);
  const end = splitter.scan(tail, 0, tail.length);
  t.equal(end, tail.length - 5);
  t.equal(splitter.scan(tail, end, tail.length), tail.length);
});

const HELLO_2 = '*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:68\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n';
const HELLO_3 = '%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:68\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n';

t.test('reply builders give the bytes Redis gives', async (t) => {
  const hello = (proto: 2 | 3): Buffer => mapReply([
    ['server', 'redis'], ['version', '7.0.15'], ['proto', proto], ['id', 68], ['mode', 'standalone'], ['role', 'master'], ['modules', []],
  ], proto);
  t.equal(hello(2).toString('latin1'), HELLO_2, 'HELLO 2 as a flat array');
  t.equal(hello(3).toString('latin1'), HELLO_3, 'HELLO 3 as a map');
  t.equal(OK_REPLY.toString(), '+OK\r\n');
  t.equal(simpleString('PONG').toString(), '+PONG\r\n');
  t.equal(errorReply('NOPROTO unsupported protocol version').toString(), '-NOPROTO unsupported protocol version\r\n');
  t.equal(errorReply('ERR bad\r\nline').toString(), '-ERR bad  line\r\n', 'CR and LF cannot end the line early');
  t.equal(integerReply(-42).toString(), ':-42\r\n');
  t.equal(integerReply(2n ** 63n - 1n).toString(), ':9223372036854775807\r\n');
  t.throws(() => integerReply(1.5), RangeError);
  t.equal(bulkReply('héllo').toString(), '$6\r\nhéllo\r\n', 'length in bytes, not characters');
  t.equal(bulkReply(Buffer.from([0, 13, 10])).toString('latin1'), '$3\r\n\0\r\n\r\n');
  t.equal(nullBulk(2).toString(), '$-1\r\n');
  t.equal(nullArray(2).toString(), '*-1\r\n');
  t.equal(nullBulk(3).toString(), '_\r\n');
  t.equal(nullArray(3).toString(), '_\r\n');
  t.equal(arrayOfBulks(['a', null, Buffer.from('bc')], 2).toString(), '*3\r\n$1\r\na\r\n$-1\r\n$2\r\nbc\r\n');
  t.equal(arrayOfBulks([null], 3).toString(), '*1\r\n_\r\n');
});

t.test('each built reply splits as exactly one reply', async (t) => {
  const valueArb: fc.Arbitrary<ReplyValue> = fc.letrec<{ v: ReplyValue }>((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, fc.string(), fc.uint8Array().map((b) => Buffer.from(b)), fc.integer(), fc.constant(null), fc.array(tie('v'), { maxLength: 4 })),
  })).v;
  fc.assert(fc.property(fc.array(fc.tuple(fc.string(), valueArb), { maxLength: 5 }), fc.constantFrom(2 as const, 3 as const), fc.string(), (entries, version, text) => {
    const built = [
      mapReply(entries, version),
      simpleString(text), errorReply(`ERR ${text}`), bulkReply(text),
      arrayOfBulks(entries.map(([k]) => k), version), nullBulk(version), nullArray(version),
    ];
    for (const b of built) deepStrictEqual(split([b]), { frames: [[b.length, false]], error: false, midReply: false });
  }));
  t.pass();
});
