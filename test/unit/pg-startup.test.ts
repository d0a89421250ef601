// Property tests of what Sluice reads before and around a session: the startup packet (and
// SSLRequest, GSSENCRequest, CancelRequest), the `options` startup parameter, and the query
// peek that spots LISTEN and DEALLOCATE. Valid input round-trips; random and
// mutated input raises nothing but ProtocolError (the peek never throws at all).
import fc from 'fast-check';
import t from 'tap';
import { serialize } from 'pg-protocol/dist/serializer';
import { ProtocolError } from '../../src/errors.js';
import { MAX_STARTUP_PACKET, parseOptionsParameter, parseStartupPacket, startupPacketLength } from '../../src/wire/postgres/startup.js';
import { classifyQuery } from '../../src/proxy/postgres/query-peek.js';

function onlyProtocolErrors(fn: () => unknown): boolean {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
  }
  return true;
}

/** A StartupMessage for protocol 3.0 with exactly these parameters. */
function startupPacket(params: Record<string, string>): Buffer {
  const body = Buffer.from(Object.entries(params).map(([k, v]) => `${k}\0${v}\0`).join('') + '\0');
  const b = Buffer.alloc(8 + body.length);
  b.writeInt32BE(b.length, 0);
  b.writeInt32BE(0x30000, 4);
  body.copy(b, 8);
  return b;
}

/** How the login reads the first packet: its length, then the packet once all of it is there. */
function readFirstPacket(bytes: Buffer): ReturnType<typeof parseStartupPacket> | null {
  const len = startupPacketLength(bytes);
  if (len < 0 || bytes.length < len) return null;
  return parseStartupPacket(bytes.subarray(0, len));
}

const name = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\0') && !s.startsWith('_pq_.'));
const value = fc.string({ maxLength: 40 }).filter((s) => !s.includes('\0'));

t.test('startup packets round-trip', async (t) => {
  fc.assert(fc.property(fc.dictionary(name, value, { maxKeys: 8 }), (params) => {
    const all = { user: 'u', ...params };
    const p = readFirstPacket(startupPacket(all));
    if (p?.kind !== 'startup' || p.major !== 3 || p.minor !== 0) return false;
    return JSON.stringify(Object.fromEntries(p.params)) === JSON.stringify(Object.fromEntries(Object.entries(all)));
  }), { numRuns: 500 });

  t.same(readFirstPacket(serialize.requestSsl()), { kind: 'ssl' });
  const gss = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30]);
  t.same(readFirstPacket(gss), { kind: 'gssenc' });
  t.same(readFirstPacket(serialize.cancel(1234, -5)), { kind: 'cancel', pid: 1234, secret: -5 });
  const pq = Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 3, 0, 2]), Buffer.from('user\0u\0_pq_.x\0y\0\0')]);
  pq.writeInt32BE(pq.length, 0);
  const withOptions = readFirstPacket(pq);
  t.same(withOptions?.kind === 'startup' && [withOptions.minor, withOptions.protocolOptions], [2, ['_pq_.x']], 'protocol 3.2 with a _pq_ option');
  t.equal(startupPacketLength(Buffer.from([0, 0, 0])), -1, 'fewer than 4 bytes: wait for more');
  t.throws(() => startupPacketLength(Buffer.from([0, 0, 0, 7])), ProtocolError);
  t.throws(() => startupPacketLength(Buffer.from([0, 0, 0x27, 0x11])), ProtocolError, `above ${MAX_STARTUP_PACKET}`);
});

t.test('random and mutated first packets raise only ProtocolError', async (t) => {
  const mutated = fc.tuple(fc.dictionary(name, value, { maxKeys: 4 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 5 }), fc.nat({ max: 3 }))
    .map(([params, edits, trim]) => {
      const b = startupPacket({ user: 'u', ...params });
      for (const [at, v] of edits) b[at % b.length] = v;
      return b.subarray(0, Math.max(0, b.length - trim));
    });
  const shortValid = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: -1, max: 0x7fffffff }), fc.uint8Array({ maxLength: 40 }))
    .map(([len, code, rest]) => {
      const b = Buffer.alloc(8 + rest.length);
      b.writeInt32BE(len, 0);
      b.writeInt32BE(code, 4);
      b.set(rest, 8);
      return b;
    });
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)), mutated, shortValid), (bytes) =>
    onlyProtocolErrors(() => readFirstPacket(bytes)) && onlyProtocolErrors(() => parseStartupPacket(bytes))), { numRuns: 3000 });
  t.pass();
});

t.test('options parameter', async (t) => {
  const word = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => /^[A-Za-z_][A-Za-z0-9_.]*$/.test(s));
  const val = fc.string({ maxLength: 20 }).filter((s) => !s.includes('\0'));
  const escape = (s: string) => s.replace(/[\\ \t]/g, (c) => `\\${c}`);
  fc.assert(fc.property(fc.array(fc.tuple(word, val, fc.constantFrom('-c ', '-c', '--')), { maxLength: 5 }), (pairs) => {
    const text = pairs.map(([k, v, form]) => `${form}${k}=${escape(v)}`).join(' ');
    const got = parseOptionsParameter(text);
    const want = new Map<string, string>();
    for (const [k, v] of pairs) want.set(k, v);
    return JSON.stringify([...got]) === JSON.stringify([...want]);
  }), { numRuns: 500 });
  t.same([...parseOptionsParameter('-c DateStyle=ISO,\\ DMY --search-path=a,b')], [['DateStyle', 'ISO, DMY'], ['search_path', 'a,b']]);
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => onlyProtocolErrors(() => parseOptionsParameter(s))), { numRuns: 2000 });
  t.throws(() => parseOptionsParameter('-x'), ProtocolError);
  t.throws(() => parseOptionsParameter('-c'), ProtocolError);
  t.throws(() => parseOptionsParameter('-c =v'), ProtocolError);
});

const blank = fc.array(fc.constantFrom(' ', '\n', '\t', '\r', '-- note\n', '/* c */', '/**/'), { maxLength: 3 }).map((a) => a.join(''));
const caseOf = (s: string, flips: boolean[]) => [...s].map((c, i) => (flips[i % Math.max(1, flips.length)] ? c.toUpperCase() : c)).join('');

function peek(text: string | Buffer, from = 0, to?: number) {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return classifyQuery(buf, from, to ?? buf.length);
}

t.test('query peek recognises its statements however they are written', async (t) => {
  fc.assert(fc.property(blank, blank, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), fc.boolean(), (pre, mid, flips, semi) => {
    const end = semi ? ';' : '';
    return peek(`${pre}${caseOf('listen', flips)}${mid || ' '}chan${end}`)?.kind === 'listen'
      && peek(`${pre}${caseOf('deallocate', flips)} ${caseOf('all', flips)}${end}`)?.kind === 'deallocate-all'
      && JSON.stringify(peek(`${pre}${caseOf('deallocate', flips)} ${caseOf('prepare', flips)} "My Stmt"${end}`)) === JSON.stringify({ kind: 'deallocate', name: 'My Stmt' });
  }), { numRuns: 500 });
  t.same(peek('deallocate stmt1'), { kind: 'deallocate', name: 'stmt1' });
  t.same(peek('DEALLOCATE "a""b"'), { kind: 'deallocate', name: 'a"b' });
  for (const other of ['select 1', 'discard all', 'discard plans', 'deallocate', 'deallocate a b', 'listener', 'delete from t', '', ';']) {
    t.equal(peek(other), null, JSON.stringify(other));
  }
  // Only the given range is read: a statement outside it is not seen.
  const framed = Buffer.from('XXXXXselect 1\0listen x');
  t.equal(classifyQuery(framed, 5, 13), null);
});

t.test('query peek never throws', async (t) => {
  const words = fc.array(fc.constantFrom('listen', 'deallocate', 'discard', 'all', 'prepare', '"', '""', ';', ' ', '--', '/*', '*/', '\n', 'x', 'é', '\0'), { maxLength: 12 }).map((a) => a.join(''));
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)), words.map((w) => Buffer.from(w))), fc.nat(), fc.nat(), (buf, a, b) => {
    const from = buf.length === 0 ? 0 : a % (buf.length + 1);
    const to = from + (buf.length - from === 0 ? 0 : b % (buf.length - from + 1));
    classifyQuery(buf, from, to);
    return true;
  }), { numRuns: 3000 });
  t.pass();
});
