// Tests of the response tracker. A model generates whole responses for each kind of command
// (OK, ERR, text and binary resultsets, multi-resultsets with SERVER_MORE_RESULTS_EXISTS, errors
// in the middle of rows, LOCAL INFILE, prepare responses with parameter and column definitions,
// cursors, field lists, statistics), with and without CLIENT_DEPRECATE_EOF, cut into random
// chunks through the packet framer, the tracker seeing whole packets or only their first
// TRACKER_PREFIX bytes. Properties: the tracker says "complete" on the response's
// last packet and never before, reports the status flags of the last OK or EOF, the kind of the
// last packet and the prepare counts; arbitrary packets throw nothing but MysqlProtocolError.
// Examples: the bytes MariaDB 10.11 sent for a multi-statement query under CLIENT_DEPRECATE_EOF.
import fc from 'fast-check';
import t from 'tap';
import { chunk } from '../helpers/chunks.js';
import { MysqlProtocolError } from '../../src/errors.js';
import {
  COM_FIELD_LIST, COM_INIT_DB, COM_PING, COM_QUERY, COM_QUIT, COM_RESET_CONNECTION, COM_STATISTICS, COM_STMT_CLOSE,
  COM_STMT_EXECUTE, COM_STMT_FETCH, COM_STMT_PREPARE, COM_STMT_SEND_LONG_DATA, COM_BINLOG_DUMP, COM_CHANGE_USER,
} from '../../src/wire/mysql/commands.js';
import {
  CLIENT_DEPRECATE_EOF, CLIENT_PROTOCOL_41, MARIADB_CLIENT_PROGRESS, SERVER_MORE_RESULTS_EXISTS, SERVER_STATUS_AUTOCOMMIT,
  SERVER_SESSION_STATE_CHANGED, SERVER_STATUS_CURSOR_EXISTS, SERVER_STATUS_IN_TRANS,
} from '../../src/wire/mysql/constants.js';
import { PACKET_FIRST, PacketFramer } from '../../src/wire/mysql/packet-framer.js';
import { PacketWriter } from '../../src/wire/mysql/packet-writer.js';
import { buildEof, buildErr, buildOk } from '../../src/wire/mysql/packets.js';
import {
  PACKET_DATA, PACKET_EOF, PACKET_ERR, PACKET_LOCAL_INFILE, PACKET_OK, PACKET_PREPARE_OK, PACKET_PROGRESS, ResponseTracker, TRACKER_PREFIX,
} from '../../src/wire/mysql/response-tracker.js';

const CAPS = CLIENT_PROTOCOL_41;

/** One step of a response: a server packet, or (LOCAL INFILE) client packets of these lengths. */
type Step = { server: Buffer } | { client: number[] };

interface Response {
  command: number;
  steps: Step[];
  /** Status flags after the response; null when it leaves the previous ones (an ERR). */
  status: number | null;
  lastKind: number;
  prepare?: [id: number, columns: number, params: number];
}

const payload = (packet: Buffer): Buffer => packet.subarray(4);
const ok = (status: number, header = 0x00): Buffer => payload(buildOk({ header, statusFlags: status, affectedRows: 3n, lastInsertId: 300n, info: 'i' }, CAPS, 0));
const eof = (status: number): Buffer => payload(buildEof({ warnings: 1, statusFlags: status }, 0));
const err = (): Buffer => payload(buildErr({ errno: 1146, sqlState: '42S02', message: 'no' }, 0));
const progress = (): Buffer => payload(new PacketWriter().u8(0xff).u16(0xffff).u8(1).u8(1).u24(500).lenencString('stage').finish(0));
const columnDef = (name: string): Buffer => payload(new PacketWriter().lenencString('def').lenencString('db').lenencString('t').lenencString('t')
  .lenencString(name).lenencString(name).u8(0x0c).u16(45).u32(11).u8(3).u16(0).u8(0).u16(0).finish(0));
const count = (n: number): Buffer => payload(new PacketWriter().lenencInt(n).finish(0));

// Without CLIENT_SESSION_TRACK an OK never has SERVER_SESSION_STATE_CHANGED (buildOk clears it).
const statusArb = fc.integer({ min: 0, max: 0xffff }).map((s) => s & ~(SERVER_MORE_RESULTS_EXISTS | SERVER_STATUS_CURSOR_EXISTS | SERVER_SESSION_STATE_CHANGED));
const rowArb = (binary: boolean): fc.Arbitrary<Buffer> => fc.array(fc.option(fc.string({ maxLength: 300 })), { minLength: 1, maxLength: 4 }).map((cells) => {
  const w = new PacketWriter();
  if (binary) w.u8(0x00).u8(0);
  for (const c of cells) {
    if (c === null) { if (!binary) w.u8(0xfb); } else w.lenencString(c);
  }
  return payload(w.finish(0));
});

/** A server packet and the status flags the tracker holds after it (null: unchanged). */
type Annotated = [packet: Buffer, status: number | null];

/** One result of a COM_QUERY / COM_STMT_EXECUTE: an OK or a resultset, ended with `status`. */
function resultArb(binary: boolean, deprecateEof: boolean): fc.Arbitrary<(status: number) => Annotated[]> {
  return fc.oneof(
    fc.constant((status: number): Annotated[] => [[ok(status), status]]),
    fc.tuple(fc.integer({ min: 1, max: 5 }), fc.array(rowArb(binary), { maxLength: 6 })).map(([columns, rows]) => (status: number): Annotated[] => [
      [count(columns), null],
      ...Array.from({ length: columns }, (_, i): Annotated => [columnDef(`c${i}`), null]),
      ...(deprecateEof ? [] : [[eof(status & ~SERVER_MORE_RESULTS_EXISTS), status & ~SERVER_MORE_RESULTS_EXISTS] as Annotated]),
      ...rows.map((r): Annotated => [r, null]),
      [deprecateEof ? ok(status, 0xfe) : eof(status), status],
    ]),
  );
}

function queryArb(deprecateEof: boolean, command: number): fc.Arbitrary<Response> {
  const binary = command === COM_STMT_EXECUTE;
  return fc.tuple(
    fc.array(fc.tuple(resultArb(binary, deprecateEof), statusArb), { minLength: 1, maxLength: 4 }),
    fc.constantFrom('none', 'instead', 'inside'),
    fc.boolean(),
    fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 3 }),
  ).map(([results, errorAt, infile, file]) => {
    const packets: Annotated[] = [];
    let lastStart = 0;
    let clientAt = -1;
    results.forEach(([result, st], i) => {
      const last = i === results.length - 1;
      const these = result(last ? st : st | SERVER_MORE_RESULTS_EXISTS);
      if (i === 0 && infile && !binary && these.length === 1) {
        packets.push([payload(new PacketWriter().u8(0xfb).string('/tmp/x.csv').finish(0)), null]);
        clientAt = packets.length;
      }
      lastStart = packets.length;
      packets.push(...these);
    });
    let lastKind = packets.length === 1 + (clientAt >= 0 ? 1 : 0) || packets.at(-1)![0][0] === 0x00 || deprecateEof ? PACKET_OK : PACKET_EOF;
    if (errorAt === 'instead' && lastStart >= (clientAt >= 0 ? clientAt : 0)) {
      // The last statement fails: its result is an ERR.
      packets.splice(lastStart, packets.length - lastStart, [err(), null]);
      lastKind = PACKET_ERR;
    } else if (errorAt === 'inside' && packets.length > 2) {
      // An error while sending rows (a killed query): it ends everything.
      packets.splice(packets.length - 1, 1, [err(), null]);
      lastKind = PACKET_ERR;
    }
    const steps: Step[] = packets.map(([server]) => ({ server }));
    if (clientAt >= 0) steps.splice(clientAt, 0, { client: [...file, 0] });
    const status = packets.reduce<number | null>((st, [, after]) => after ?? st, null);
    return { command, steps, status, lastKind };
  });
}

function prepareArb(deprecateEof: boolean): fc.Arbitrary<Response> {
  return fc.tuple(fc.integer({ min: 1, max: 0xffffffff }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), statusArb).map(([id, columns, params, st]) => {
    const okPacket = payload(new PacketWriter().u8(0).u32(id).u16(columns).u16(params).u8(0).u16(0).finish(0));
    const steps: Step[] = [{ server: okPacket }];
    let lastKind = PACKET_PREPARE_OK;
    let status: number | null = null;
    for (const n of [params, columns]) {
      if (n === 0) continue;
      for (let i = 0; i < n; i++) steps.push({ server: columnDef('?') });
      lastKind = PACKET_DATA;
      if (!deprecateEof) {
        steps.push({ server: eof(st) });
        lastKind = PACKET_EOF;
        status = st;
      }
    }
    return { command: COM_STMT_PREPARE, steps, status, lastKind, prepare: [id, columns, params] };
  });
}

function simpleArb(): fc.Arbitrary<Response> {
  return fc.tuple(fc.constantFrom(COM_PING, COM_INIT_DB, COM_RESET_CONNECTION), statusArb, fc.boolean()).map(([command, st, fail]) => (fail
    ? { command, steps: [{ server: err() }], status: null, lastKind: PACKET_ERR }
    : { command, steps: [{ server: ok(st) }], status: st, lastKind: PACKET_OK }));
}

function fieldListArb(deprecateEof: boolean): fc.Arbitrary<Response> {
  return fc.tuple(fc.integer({ min: 0, max: 5 }), statusArb).map(([n, st]) => ({
    command: COM_FIELD_LIST,
    steps: [...Array.from({ length: n }, (_, i) => ({ server: columnDef(`f${i}`) })), { server: deprecateEof ? ok(st, 0xfe) : eof(st) }],
    status: st,
    lastKind: deprecateEof ? PACKET_OK : PACKET_EOF,
  }));
}

function responseArb(deprecateEof: boolean): fc.Arbitrary<Response> {
  return fc.oneof(
    { weight: 4, arbitrary: queryArb(deprecateEof, COM_QUERY) },
    { weight: 2, arbitrary: queryArb(deprecateEof, COM_STMT_EXECUTE) },
    { weight: 2, arbitrary: prepareArb(deprecateEof) },
    { weight: 1, arbitrary: simpleArb() },
    { weight: 1, arbitrary: fieldListArb(deprecateEof) },
  );
}

/**
 * Run a response through the framer in chunks and the tracker, as the proxy would. Returns the
 * index of the server packet on which the tracker said "complete" (-1 if never), after checking
 * that client steps come exactly while it awaits client data.
 */
function run(tracker: ResponseTracker, r: Response, sizes: number[], prefixOnly: boolean): number {
  if (!tracker.begin(r.command)) return -1;
  let index = 0;
  let completedAt = -1;
  const framer = new PacketFramer({
    onPacket(_seq, buf, start, end, part) {
      if (!(part & PACKET_FIRST)) return;
      // With prefixOnly, the tracker sees no more of each packet than TRACKER_PREFIX bytes, as a streamed one may give it.
      const seen = prefixOnly ? Math.min(end, start + 4 + TRACKER_PREFIX) : end;
      if (tracker.onPacket(buf, start + 4, seen, end - start - 4)) {
        if (completedAt >= 0) throw new Error('completed twice');
        completedAt = index;
      }
      index++;
    },
    wantsStream: () => false,
    onStreamData() { throw new Error('not streamed'); },
  }, 1 << 20);
  for (const step of r.steps) {
    if ('client' in step) {
      if (!tracker.awaitingClientData) throw new Error('client data while the tracker does not expect it');
      for (const n of step.client) tracker.onClientPacket(n);
      continue;
    }
    const p = step.server;
    const packet = Buffer.alloc(4 + p.length);
    packet.writeUIntLE(p.length, 0, 3);
    packet.set(p, 4);
    for (const c of chunk(packet, sizes)) framer.push(c);
  }
  return completedAt;
}

for (const deprecateEof of [false, true]) {
  t.test(`responses complete on their last packet (CLIENT_DEPRECATE_EOF ${deprecateEof ? 'on' : 'off'})`, async (t) => {
    fc.assert(fc.property(
      fc.array(responseArb(deprecateEof), { minLength: 1, maxLength: 5 }),
      fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 4 }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.boolean(),
      (responses, sizes, initial, prefixOnly) => {
        const tracker = new ResponseTracker(CAPS | (deprecateEof ? CLIENT_DEPRECATE_EOF : 0), 0, initial);
        let status = initial;
        for (const r of responses) {
          const serverPackets = r.steps.filter((s) => 'server' in s).length;
          const at = run(tracker, r, sizes, prefixOnly);
          if (at !== serverPackets - 1 || !tracker.done) return false;
          status = r.status ?? status;
          if (tracker.statusFlags !== status || tracker.lastPacket !== r.lastKind) return false;
          if (tracker.releasable !== ((status & SERVER_STATUS_IN_TRANS) === 0)) return false;
          if (r.prepare && (tracker.statementId !== r.prepare[0] || tracker.columnCount !== r.prepare[1] || tracker.paramCount !== r.prepare[2])) return false;
        }
        return true;
      },
    ), { numRuns: 400 });
    t.pass('400 sequences of responses');
  });
}

t.test('MariaDB 10.11: SELECT 1 AS a; SELECT 2 under CLIENT_DEPRECATE_EOF, in a transaction', async (t) => {
  const packets = ['01', '036465660000000161000c3f0001000000038100000000', '0131', 'fe00000b000000', '01', '036465660000000132000c3f0001000000038100000000', '0132', 'fe000003000000'];
  const tracker = new ResponseTracker(CAPS | CLIENT_DEPRECATE_EOF);
  t.ok(tracker.begin(COM_QUERY));
  const done = packets.map((hex) => {
    const p = Buffer.from(hex, 'hex');
    return tracker.onPacket(p, 0, p.length, p.length);
  });
  t.same(done, [false, false, false, false, false, false, false, true]);
  t.equal(tracker.statusFlags, SERVER_STATUS_IN_TRANS | SERVER_STATUS_AUTOCOMMIT);
  t.notOk(tracker.releasable, 'the transaction is open');
});

t.test('commands without a response, cursors, fetches, statistics, progress reports', async (t) => {
  const tracker = new ResponseTracker(CAPS, MARIADB_CLIENT_PROGRESS);
  for (const c of [COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA, COM_QUIT]) {
    t.notOk(tracker.begin(c), `0x${c.toString(16)} gets no response`);
    t.ok(tracker.done);
  }
  const feed = (p: Buffer): boolean => tracker.onPacket(p, 0, p.length, p.length);
  // An execute that opens a cursor: definitions, then an EOF with SERVER_STATUS_CURSOR_EXISTS and no rows.
  tracker.begin(COM_STMT_EXECUTE);
  t.same([feed(count(1)), feed(columnDef('a')), feed(eof(SERVER_STATUS_CURSOR_EXISTS | SERVER_STATUS_AUTOCOMMIT))], [false, false, true]);
  tracker.begin(COM_STMT_FETCH);
  t.same([feed(Buffer.from([0, 0, 1, 0x31])), feed(eof(SERVER_STATUS_CURSOR_EXISTS | 0x80))], [false, true]);
  tracker.begin(COM_STATISTICS);
  t.ok(feed(Buffer.from('Uptime: 5  Threads: 1')));
  tracker.begin(COM_QUERY);
  t.notOk(feed(progress()), 'a MariaDB progress report ends nothing');
  t.equal(tracker.lastPacket, PACKET_PROGRESS);
  t.ok(feed(ok(SERVER_STATUS_AUTOCOMMIT)));
  tracker.begin(COM_QUERY);
  t.notOk(feed(Buffer.from('\xfb/etc/passwd', 'latin1')));
  t.equal(tracker.lastPacket, PACKET_LOCAL_INFILE);
  t.ok(tracker.awaitingClientData);
  t.throws(() => feed(ok(0)), MysqlProtocolError, 'the server is silent while the client sends the file');
  tracker.onClientPacket(0);
  t.ok(feed(err()), 'the server refused the file');
  t.throws(() => tracker.onClientPacket(0), MysqlProtocolError);
});

t.test('misuse and impossible packets are MysqlProtocolErrors', async (t) => {
  const tracker = new ResponseTracker(CAPS);
  t.throws(() => tracker.begin(COM_CHANGE_USER), MysqlProtocolError, 'COM_CHANGE_USER is the session\'s business');
  t.throws(() => tracker.begin(COM_BINLOG_DUMP), MysqlProtocolError);
  tracker.begin(COM_QUERY);
  t.throws(() => tracker.begin(COM_QUERY), MysqlProtocolError, 'one response at a time');
  const fresh = (): ResponseTracker => {
    const tr = new ResponseTracker(CAPS);
    tr.begin(COM_QUERY);
    return tr;
  };
  t.throws(() => fresh().onPacket(Buffer.from([0xfe, 0, 0, 0, 0]), 0, 5, 5), MysqlProtocolError, 'an EOF cannot start a result');
  t.throws(() => fresh().onPacket(Buffer.from([0x00]), 0, 1, 1), MysqlProtocolError, 'a truncated OK');
  t.throws(() => fresh().onPacket(Buffer.from([0]), 0, 0, 0), MysqlProtocolError, 'an empty packet');
  fc.assert(fc.property(
    fc.constantFrom(COM_QUERY, COM_STMT_EXECUTE, COM_STMT_PREPARE, COM_PING, COM_FIELD_LIST, COM_STATISTICS, COM_STMT_FETCH),
    fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }),
    fc.boolean(),
    (command, packets, deprecateEof) => {
      const tr = new ResponseTracker(CAPS | (deprecateEof ? CLIENT_DEPRECATE_EOF : 0), MARIADB_CLIENT_PROGRESS);
      tr.begin(command);
      try {
        for (const p of packets) tr.onPacket(p, 0, p.length, p.length);
      } catch (e) {
        return e instanceof MysqlProtocolError;
      }
      return true;
    },
  ), { numRuns: 2000 });
  t.pass('2000 random packet sequences');
});
