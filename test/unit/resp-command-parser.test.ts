// Tests of the Redis client command parser. Properties: commands serialized as RESP arrays or
// inline lines come back exactly, with their exact bytes, however the stream is cut; any byte
// stream gives the same commands and error as a literal model of Redis 7's own reading
// (processMultibulkBuffer / processInlineBuffer fed one byte at a time), whatever the chunking;
// nothing but RespProtocolError is ever thrown. Examples: every error text, checked against a
// real Redis 7.0 server, and the leniencies Redis has that the parser must share.
import { deepStrictEqual } from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import { chunk } from '../helpers/chunks.js';
import { RespProtocolError } from '../../src/errors.js';
import { type CommandParserOptions, RespCommandParser } from '../../src/wire/redis/command-parser.js';
import { splitInlineArgs } from '../../src/wire/redis/inline-args.js';

interface Parsed { raw: string; args: string[]; inline: boolean }
interface Outcome { commands: Parsed[]; error: string | null }

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');


/** Feed the chunks, draining after each; commands recorded as hex copies. */
function run(chunks: readonly Buffer[], options?: CommandParserOptions): Outcome {
  const parser = new RespCommandParser(options);
  const commands: Parsed[] = [];
  try {
    for (const c of chunks) {
      parser.push(c);
      for (let cmd = parser.next(); cmd !== null; cmd = parser.next()) {
        const args: string[] = [];
        for (let i = 0; i < cmd.argc; i++) args.push(hex(cmd.arg(i)));
        commands.push({ raw: hex(cmd.raw()), args, inline: cmd.inline });
      }
    }
  } catch (err) {
    if (!(err instanceof RespProtocolError)) throw err;
    return { commands, error: err.message };
  }
  return { commands, error: null };
}

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

function encodeMultibulk(args: readonly Uint8Array[], sloppy: readonly number[] = []): Buffer {
  // `sloppy` bytes replace the LF after each length line and the CRLF after each bulk: Redis
  // skips those bytes unread, and so must the parser.
  let k = 0;
  const filler = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (sloppy.length ? sloppy[k++ % sloppy.length]! : [13, 10][n === 1 ? 1 : i]!)));
  const parts: Buffer[] = [ascii(`*${args.length}\r`), filler(1)];
  for (const a of args) parts.push(ascii(`$${a.length}\r`), filler(1), Buffer.from(a), filler(2));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------
// A literal model of how Redis 7.0 reads a client (networking.c), for differential testing.

const INT_MAX = 2 ** 31 - 1;

/** string2ll by its definition rather than its code: canonical decimal within a signed 64-bit. */
function modelInt(s: string): bigint | null {
  if (s.length === 0 || s.length >= 21 || !/^(0|-?[1-9][0-9]*)$/.test(s)) return null;
  const v = BigInt(s);
  return v >= -(2n ** 63n) && v <= 2n ** 63n - 1n ? v : null;
}

class RedisModel {
  private q = Buffer.alloc(0);
  private pos = 0;
  private reqtype: 'inline' | 'multibulk' | null = null;
  private multibulklen = 0;
  private bulklen = -1;
  private argv: Buffer[] = [];
  private start = 0;
  readonly commands: Parsed[] = [];
  error: string | null = null;
  constructor(private readonly maxBulk: number, private readonly maxArray: number, private readonly maxInline: number) {}

  feed(bytes: Buffer): void {
    if (this.error !== null) return;
    this.q = Buffer.concat([this.q, bytes]);
    while (this.pos < this.q.length && this.error === null) {
      if (this.reqtype === null) {
        this.reqtype = this.q[this.pos] === 0x2a ? 'multibulk' : 'inline';
        this.start = this.pos;
      }
      const ok = this.reqtype === 'inline' ? this.inline() : this.multibulk();
      if (!ok) break;
      if (this.argv.length > 0) {
        this.commands.push({ raw: hex(this.q.subarray(this.start, this.pos)), args: this.argv.map(hex), inline: this.reqtype === 'inline' });
      }
      this.reqtype = null;
      this.argv = [];
      this.multibulklen = 0;
      this.bulklen = -1;
    }
  }

  /** strchr over the sds: -1 when a NUL or the end comes first. */
  private strchr(from: number, c: number): number {
    for (let i = from; i < this.q.length; i++) {
      if (this.q[i] === c) return i;
      if (this.q[i] === 0) return -1;
    }
    return -1;
  }

  private inline(): boolean {
    const nl = this.strchr(this.pos, 0x0a);
    if (nl < 0) {
      if (this.q.length - this.pos > this.maxInline) this.error = 'ERR Protocol error: too big inline request';
      return false;
    }
    let lineEnd = nl;
    if (nl !== this.pos && this.q[nl - 1] === 0x0d) lineEnd--;
    const off: number[] = [], len: number[] = [];
    const args = splitInlineArgs(this.q, this.pos, lineEnd, off, len);
    if (args === null) {
      this.error = 'ERR Protocol error: unbalanced quotes in request';
      return false;
    }
    for (let i = 0; i < args.argc; i++) this.argv.push(args.buf.subarray(off[i], off[i]! + len[i]!));
    this.pos = nl + 1;
    return true;
  }

  private multibulk(): boolean {
    if (this.multibulklen === 0) {
      const nl = this.strchr(this.pos, 0x0d);
      if (nl < 0) {
        if (this.q.length - this.pos > this.maxInline) this.error = 'ERR Protocol error: too big mbulk count string';
        return false;
      }
      if (nl === this.q.length - 1) return false;
      const ll = modelInt(this.q.toString('latin1', this.pos + 1, nl));
      if (ll === null || ll > BigInt(this.maxArray)) {
        this.error = 'ERR Protocol error: invalid multibulk length';
        return false;
      }
      this.pos = nl + 2;
      if (ll <= 0n) return true;
      this.multibulklen = Number(ll);
    }
    while (this.multibulklen > 0) {
      if (this.bulklen === -1) {
        const nl = this.strchr(this.pos, 0x0d);
        if (nl < 0) {
          if (this.q.length - this.pos > this.maxInline) this.error = 'ERR Protocol error: too big bulk count string';
          return false;
        }
        if (nl === this.q.length - 1) return false;
        if (this.q[this.pos] !== 0x24) {
          const got = this.q[this.pos] === 0x0d || this.q[this.pos] === 0x0a ? ' ' : String.fromCharCode(this.q[this.pos]!);
          this.error = `ERR Protocol error: expected '$', got '${got}'`;
          return false;
        }
        const ll = modelInt(this.q.toString('latin1', this.pos + 1, nl));
        if (ll === null || ll < 0n || ll > BigInt(this.maxBulk)) {
          this.error = 'ERR Protocol error: invalid bulk length';
          return false;
        }
        this.pos = nl + 2;
        this.bulklen = Number(ll);
      }
      if (this.q.length - this.pos < this.bulklen + 2) return false;
      this.argv.push(this.q.subarray(this.pos, this.pos + this.bulklen));
      this.pos += this.bulklen + 2;
      this.bulklen = -1;
      this.multibulklen--;
    }
    return true;
  }
}

/** The model fed one byte at a time: the reading Redis has when every byte arrives alone. */
function model(bytes: Buffer, limits: { maxBulk: number; maxArray: number; maxInline: number }): Outcome {
  const m = new RedisModel(limits.maxBulk, limits.maxArray, limits.maxInline);
  for (let i = 0; i < bytes.length && m.error === null; i++) m.feed(bytes.subarray(i, i + 1));
  return { commands: m.commands, error: m.error };
}

// ---------------------------------------------------------------------------------------------
// Generators.

const argArb = fc.oneof(
  { weight: 5, arbitrary: fc.uint8Array({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constantFrom(...['GET', 'set', 'PING', '', '\r\n', '$3', '*1'].map((s) => new Uint8Array(ascii(s)))) },
);

interface Piece { bytes: Buffer; expect: Parsed | null }

const multibulkArb: fc.Arbitrary<Piece> = fc.record({
  args: fc.array(argArb, { minLength: 1, maxLength: 6 }),
  sloppy: fc.oneof({ weight: 3, arbitrary: fc.constant([] as number[]) }, { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }) }),
}).map(({ args, sloppy }) => {
  const bytes = encodeMultibulk(args, sloppy);
  return { bytes, expect: { raw: hex(bytes), args: args.map(hex), inline: false } };
});

/** An inline argument and one way to write it: plain, "double quoted" or 'single quoted'. */
const inlineArgArb: fc.Arbitrary<{ value: Buffer; text: Buffer }> = fc.oneof(
  fc.array(fc.integer({ min: 0x21, max: 0xff }).filter((c) => c !== 0x22 && c !== 0x27 && c !== 0x2a), { minLength: 1, maxLength: 10 })
    .map((bytes) => ({ value: Buffer.from(bytes), text: Buffer.from(bytes) })),
  fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.boolean()), { maxLength: 10 }).map((pairs) => {
    const text: number[] = [0x22];
    for (const [c, asHex] of pairs) {
      if (c === 0x22 || c === 0x5c) text.push(0x5c, c);
      else if (c === 0x0a) text.push(0x5c, 0x6e);
      else if (c === 0 || asHex) text.push(...ascii(`\\x${c.toString(16).padStart(2, '0')}`));
      else text.push(c);
    }
    text.push(0x22);
    return { value: Buffer.from(pairs.map(([c]) => c)), text: Buffer.from(text) };
  }),
  fc.array(fc.integer({ min: 1, max: 255 }).filter((c) => c !== 0x0a && c !== 0x5c), { maxLength: 10 }).map((bytes) => {
    const text: number[] = [0x27];
    for (const c of bytes) text.push(...(c === 0x27 ? [0x5c, 0x27] : [c]));
    text.push(0x27);
    return { value: Buffer.from(bytes), text: Buffer.from(text) };
  }),
);

const blanks = (min: number): fc.Arbitrary<Buffer> => fc.array(fc.constantFrom(0x20, 0x09), { minLength: min, maxLength: 3 }).map((b) => Buffer.from(b));

const inlineArb: fc.Arbitrary<Piece> = fc.record({
  lead: blanks(0),
  args: fc.array(fc.tuple(inlineArgArb, blanks(1)), { minLength: 1, maxLength: 5 }),
  crlf: fc.boolean(),
}).map(({ lead, args, crlf }) => {
  const bytes = Buffer.concat([lead, ...args.flatMap(([a, sep]) => [a.text, sep]), ascii(crlf ? '\r\n' : '\n')]);
  return { bytes, expect: { raw: hex(bytes), args: args.map(([a]) => hex(a.value)), inline: true } };
});

/** Bytes Redis reads and runs nothing for. */
const noopArb: fc.Arbitrary<Piece> = fc.constantFrom('*0\r\n', '*-1\r\n', '*-42\r\n', '\r\n', '\n', ' \t \r\n')
  .map((s) => ({ bytes: ascii(s), expect: null }));

const streamArb = fc.array(fc.oneof({ weight: 4, arbitrary: multibulkArb }, { weight: 2, arbitrary: inlineArb }, { weight: 1, arbitrary: noopArb }), { maxLength: 20 });
const sizesArb = fc.oneof(fc.constant([1]), fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 8 }));

/** Byte soup weighted towards the bytes RESP framing turns on. */
const soupArb = fc.array(fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(0x2a, 0x24, 0x0d, 0x0a, 0x20, 0x22, 0x27, 0x5c, 0x2d, 0x00, 0x78) },
  { weight: 6, arbitrary: fc.integer({ min: 0x30, max: 0x39 }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
), { maxLength: 200 }).map((b) => Buffer.from(b));

/** A valid stream with a few bytes flipped, inserted or removed. */
const mutatedArb = fc.tuple(streamArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 4 }))
  .map(([pieces, edits]) => {
    const bytes = [...Buffer.concat(pieces.map((p) => p.bytes))];
    for (const [at, value, op] of edits) {
      const i = bytes.length === 0 ? 0 : at % bytes.length;
      if (op === 'set' && bytes.length > 0) bytes[i] = value;
      else if (op === 'insert') bytes.splice(i, 0, value);
      else bytes.splice(i, 1);
    }
    return Buffer.from(bytes);
  });

const limitsArb = fc.oneof(
  fc.constant({ maxBulk: 512 * 1024 * 1024, maxArray: INT_MAX, maxInline: 64 * 1024 }),
  fc.record({ maxBulk: fc.integer({ min: 0, max: 40 }), maxArray: fc.integer({ min: 1, max: 8 }), maxInline: fc.integer({ min: 1, max: 30 }) }),
);

const options = (l: { maxBulk: number; maxArray: number; maxInline: number }): CommandParserOptions =>
  ({ maxBulkLength: l.maxBulk, maxArrayLength: l.maxArray, maxInlineLength: l.maxInline });

// ---------------------------------------------------------------------------------------------

t.test('commands come back exactly, with their exact bytes, however the stream is cut', async (t) => {
  fc.assert(fc.property(streamArb, sizesArb, (pieces, sizes) => {
    const want = pieces.flatMap((p) => (p.expect === null ? [] : [p.expect]));
    deepStrictEqual(run(chunk(Buffer.concat(pieces.map((p) => p.bytes)), sizes)), { commands: want, error: null });
  }), { numRuns: 400 });
  t.pass();
});

t.test('any bytes give what Redis reads, whatever the chunking, and only RespProtocolError', async (t) => {
  fc.assert(fc.property(fc.oneof(soupArb, mutatedArb), sizesArb, limitsArb, (bytes, sizes, limits) => {
    const want = model(bytes, limits);
    deepStrictEqual(run(chunk(bytes, sizes), options(limits)), want);
    deepStrictEqual(run([bytes], options(limits)), want);
  }), { numRuns: 1500 });
  t.pass();
});

t.test('raw views stay valid: a command split across chunks is copied into a buffer never reused', async (t) => {
  fc.assert(fc.property(streamArb, sizesArb, (pieces, sizes) => {
    const want = pieces.flatMap((p) => (p.expect === null ? [] : [p.expect.raw]));
    const parser = new RespCommandParser();
    const views: Buffer[] = [];
    for (const c of chunk(Buffer.concat(pieces.map((p) => p.bytes)), sizes)) {
      parser.push(c);
      for (let cmd = parser.next(); cmd !== null; cmd = parser.next()) views.push(cmd.raw());
    }
    deepStrictEqual(views.map(hex), want);
  }), { numRuns: 200 });
  t.pass();
});

t.test('the caller may reuse its read buffer once next() has returned null', async (t) => {
  fc.assert(fc.property(streamArb, sizesArb, (pieces, sizes) => {
    const want = pieces.flatMap((p) => (p.expect === null ? [] : [p.expect]));
    const parser = new RespCommandParser();
    const scratch = Buffer.alloc(128);
    const got: Parsed[] = [];
    for (const c of chunk(Buffer.concat(pieces.map((p) => p.bytes)), sizes.length === 0 ? [128] : sizes.map((s) => Math.min(s, 128)))) {
      c.copy(scratch);
      parser.push(scratch.subarray(0, c.length));
      for (let cmd = parser.next(); cmd !== null; cmd = parser.next()) {
        const args: string[] = [];
        for (let i = 0; i < cmd.argc; i++) args.push(hex(cmd.arg(i)));
        got.push({ raw: hex(cmd.raw()), args, inline: cmd.inline });
      }
      scratch.fill(0xee); // as the next socket read would
    }
    deepStrictEqual(got, want);
  }), { numRuns: 200 });
  t.pass();
});

t.test('chunks pushed before the previous ones are read are queued, not lost', async (t) => {
  const parser = new RespCommandParser();
  for (const c of chunk(ascii('*1\r\n$4\r\nPING\r\nECHO x\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n'), [5, 3, 7])) parser.push(c);
  const names: string[] = [];
  for (let cmd = parser.next(); cmd !== null; cmd = parser.next()) names.push(cmd.argString(0));
  t.strictSame(names, ['PING', 'ECHO', 'GET']);
});

/** Error texts as a Redis 7.0.15 server sent them for the same bytes (sent in one write). */
const REDIS_ERRORS: [string, string][] = [
  ['*abc\r\n', 'invalid multibulk length'],
  ['*\r\n', 'invalid multibulk length'],
  ['*01\r\n$4\r\nPING\r\n', 'invalid multibulk length'],
  ['*+1\r\n$4\r\nPING\r\n', 'invalid multibulk length'],
  ['*-0\r\n', 'invalid multibulk length'],
  ['*2147483648\r\n', 'invalid multibulk length'],
  ['*-9223372036854775809\r\nPING\r\n', 'invalid multibulk length'],
  ['*1\r\nx\r\n', "expected '$', got 'x'"],
  ['*1\r\n\r\n', "expected '$', got ' '"],
  ['*1\r\n\nabc\r\n', "expected '$', got ' '"],
  ['*1\r\n\x01\r\n', "expected '$', got '\x01'"],
  ['*1\r\n\xff\r\n', "expected '$', got '\xff'"],
  ['*1\r\n$-1\r\n', 'invalid bulk length'],
  ['*1\r\n$\r\n', 'invalid bulk length'],
  ['*1\r\n$04\r\nPING\r\n', 'invalid bulk length'],
  ['*1\r\n$536870913\r\n', 'invalid bulk length'],
  ['PING "a\r\n', 'unbalanced quotes in request'],
  ['PING "a"b\r\n', 'unbalanced quotes in request'],
  ['ECHO "a\\"\r\n', 'unbalanced quotes in request'],
  ['ECHO ' + 'a'.repeat(65532), 'too big inline request'],
  ['ECHO a\0' + 'a'.repeat(65540), 'too big inline request'],
  ['*' + 'a'.repeat(65536), 'too big mbulk count string'],
  ['*1\r\n$' + 'a'.repeat(65536), 'too big bulk count string'],
];

t.test('each protocol error has the text and reply bytes Redis sends', async (t) => {
  for (const [input, text] of REDIS_ERRORS) {
    for (const sizes of [[], [1], [3]]) {
      const got = run(chunk(ascii(input), sizes));
      t.equal(got.error, `ERR Protocol error: ${text}`, JSON.stringify(input.slice(0, 30)));
    }
  }
  const parser = new RespCommandParser();
  parser.push(ascii('*1\r\n\xff\r\n'));
  const err = t.throws(() => parser.next()) as RespProtocolError;
  t.equal(err.code, 'SLUICE_RESP_PROTOCOL');
  t.equal(err.reply.toString('hex'), ascii("-ERR Protocol error: expected '$', got '\xff'\r\n").toString('hex'), 'the raw byte, as Redis echoes it');
});

t.test('commands before bad bytes come out first; after the error every call throws it again', async (t) => {
  const parser = new RespCommandParser();
  parser.push(ascii('*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n*1\r\n$4\r\nPING\r\n'));
  t.equal(parser.next()?.argString(0), 'PING');
  const first = t.throws(() => parser.next());
  parser.push(ascii('*1\r\n$4\r\nPING\r\n'));
  t.equal(t.throws(() => parser.next()), first, 'the same error object');
});

t.test('Redis leniencies the parser shares, and what Redis waits for', async (t) => {
  const cases: [string, string[][] | 'pending'][] = [
    ['*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n', [['PING'], ['PING']]],
    ['*1\rX$4\r\nPING\r\n', [['PING']]],
    ['*-5\r\nPING\r\n', [['PING']]],
    ['*0\r\nPING\r\n', [['PING']]],
    ['*-9223372036854775808\r\nPING\r\n', [['PING']]],
    ['*1\r\n$0\r\n\r\n', [['']]],
    ['\r\n\r\nPING\r\n', [['PING']]],
    ['   \t\r\nPING\r\n', [['PING']]],
    ['*1\r\n$536870912\r\n', 'pending'],
    ['*2147483647\r\n', 'pending'],
    ['ECHO \0x\r\n', 'pending'],
    ['*1\r\n\0$4\r\nPING\r\n', 'pending'],
    ['ECHO ' + 'a'.repeat(65531), 'pending'],
    ['*' + 'a'.repeat(65535), 'pending'],
    ['*1\r\n$' + 'a'.repeat(65535), 'pending'],
  ];
  for (const [input, want] of cases) {
    const got = run(chunk(ascii(input), [2]));
    t.equal(got.error, null, JSON.stringify(input.slice(0, 30)));
    const args = got.commands.map((c) => c.args.map((a) => Buffer.from(a, 'hex').toString('latin1')));
    t.strictSame(args, want === 'pending' ? [] : want, JSON.stringify(input.slice(0, 30)));
  }
  const first = run([ascii('*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n')]).commands[0]!;
  t.equal(Buffer.from(first.raw, 'hex').toString('latin1'), '*1\r\n$4\r\nPINGxx', 'raw holds the skipped bytes, for the server to skip too');
});

t.test('inline lines split as Redis splits them', async (t) => {
  const cases: [string, string[]][] = [
    ['ECHO a"b c"\r\n', ['ECHO', 'ab c']],
    ['ECHO "\\x41\\n" x\r\n', ['ECHO', 'A\n', 'x']],
    ['ECHO a\vb\r\n', ['ECHO', 'a\vb']],
    ['\vECHO x\r\n', ['ECHO', 'x']],
    ['ECHO \f"x"\r\n', ['ECHO', 'x']],
    ["ECHO '\\'x\\n'\r\n", ['ECHO', "'x\\n"]],
    ['ECHO "x"\v\r\n', ['ECHO', 'x']],
    ['ECHO a\rb\n', ['ECHO', 'a', 'b']],
    ["ECHO x''\r\n", ['ECHO', 'x']],
    ['ECHO "\\xZZ"\r\n', ['ECHO', 'xZZ']],
    ['ECHO "\\x4"\r\n', ['ECHO', 'x4']],
    ['ECHO "\\t\\b\\a\\r\\q"\r\n', ['ECHO', '\t\b\x07\rq']],
    ["ECHO 'a\\b'\r\n", ['ECHO', 'a\\b']],
    ['SET k ""\r\n', ['SET', 'k', '']],
  ];
  for (const [input, want] of cases) {
    const got = run(chunk(ascii(input), [1]));
    t.equal(got.error, null, JSON.stringify(input));
    t.strictSame(got.commands.map((c) => c.args.map((a) => Buffer.from(a, 'hex').toString('latin1'))), [want], JSON.stringify(input));
    t.ok(got.commands.every((c) => c.inline));
  }
});

t.test('length lines are limited by the bytes before their end, not by how they arrive', async (t) => {
  // Redis checks its 64 KB limit after each read, so a longer line arriving in one read may
  // pass (an inline line) or fail otherwise (a length line): Sluice applies the limit as if
  // every byte came alone, so that the result never depends on how TCP cut the stream.
  t.equal(run([ascii('ECHO ' + 'a'.repeat(70000) + '\r\n')]).error, 'ERR Protocol error: too big inline request');
  t.equal(run([ascii('*1\r\n$' + 'a'.repeat(66000) + '\r\n')]).error, 'ERR Protocol error: too big bulk count string');
  const exact = run([ascii('ECHO ' + 'a'.repeat(65531) + '\n')]);
  t.equal(exact.commands[0]?.args[1]?.length, 65531 * 2, 'a line of exactly 64 KB is read');
});

t.test('configured limits give the errors Redis gives for its own', async (t) => {
  const small = { maxBulkLength: 3, maxArrayLength: 2, maxInlineLength: 10 };
  t.equal(run([ascii('*1\r\n$4\r\nPING\r\n')], small).error, 'ERR Protocol error: invalid bulk length');
  t.equal(run([ascii('*3\r\n')], small).error, 'ERR Protocol error: invalid multibulk length');
  t.equal(run([ascii('ECHO 123456')], small).error, 'ERR Protocol error: too big inline request');
  t.equal(run([ascii('*2\r\n$3\r\nGET\r\n$1\r\nk\r\nECHO 12345\n')], small).commands.length, 2);
});

t.test('a declared length is refused before any allocation, and a valid one is not allocated up front', async (t) => {
  const parser = new RespCommandParser({ maxBulkLength: 1000 });
  parser.push(ascii('*1\r\n$1001\r\n'));
  t.throws(() => parser.next(), { message: 'ERR Protocol error: invalid bulk length' });

  const before = process.memoryUsage().arrayBuffers;
  const parsers = Array.from({ length: 20 }, () => new RespCommandParser());
  for (const p of parsers) {
    p.push(ascii('*2\r\n$3\r\nSET\r\n$536870912\r\nabc'));
    t.equal(p.next(), null);
  }
  const grown = process.memoryUsage().arrayBuffers - before;
  t.ok(grown < 1024 * 1024, `20 clients announcing 512 MB each hold ${grown} bytes`);
});

t.test('the command view reads arguments without copying them', async (t) => {
  const parser = new RespCommandParser();
  const bytes = ascii('*3\r\n$6\r\nclient\r\n$7\r\nSetName\r\n$2\r\nab\r\n');
  parser.push(bytes);
  const cmd = parser.next()!;
  t.equal(cmd.argc, 3);
  t.ok(cmd.argIs(0, 'CLIENT') && cmd.argIs(1, 'SETNAME') && !cmd.argIs(1, 'SETNAM') && !cmd.argIs(3, 'AB'));
  t.equal(cmd.argString(2), 'ab');
  t.equal(cmd.arg(2).buffer, bytes.buffer, 'a view of the pushed chunk');
  t.equal(cmd.buf, bytes);
  t.strictSame([cmd.start, cmd.end, cmd.inline], [0, bytes.length, false]);
  t.throws(() => cmd.arg(3), RangeError);
  t.notOk(parser.next());
});
