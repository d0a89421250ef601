// Tests of length-encoded integers and strings, and of OK, ERR and EOF packets. Properties:
// every value round-trips through the writer and both readers (the checked PayloadReader and
// the allocation-free lenencLength/lenencValue) with the size lenencSize predicts; OK packets
// (with and without session tracking, all status flags, session-state entries) and ERR and EOF
// packets round-trip; arbitrary payloads make the parsers throw nothing but
// MysqlProtocolError. Examples: OK and ERR payloads as MariaDB 10.11 sends them.
import fc from 'fast-check';
import t from 'tap';
import { MysqlProtocolError } from '../../src/errors.js';
import {
  CLIENT_PROTOCOL_41, CLIENT_SESSION_TRACK, CLIENT_TRANSACTIONS, SERVER_SESSION_STATE_CHANGED, SERVER_STATUS_AUTOCOMMIT,
  SERVER_STATUS_IN_TRANS,
} from '../../src/wire/mysql/constants.js';
import { lenencLength, lenencSize, lenencValue } from '../../src/wire/mysql/lenenc.js';
import { PacketWriter } from '../../src/wire/mysql/packet-writer.js';
import {
  type OkPacket, buildEof, buildErr, buildOk, isEofPacket, parseEof, parseErr, parseOk,
} from '../../src/wire/mysql/packets.js';
import { PayloadReader } from '../../src/wire/mysql/payload-reader.js';
import { type SessionStateChange, readSessionState } from '../../src/wire/mysql/session-state.js';

const payloadOf = (packet: Buffer): Buffer => packet.subarray(4);

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const boundaryInts = fc.constantFrom(0n, 250n, 251n, 252n, 0xffffn, 0x10000n, 0xffffffn, 0x1000000n, (1n << 53n) - 1n, 1n << 53n, (1n << 64n) - 1n);

t.test('length-encoded integers round-trip through the writer and both readers', async (t) => {
  fc.assert(fc.property(fc.oneof(u64, boundaryInts), (v) => {
    const bytes = payloadOf(new PacketWriter().lenencInt(v).finish(0));
    if (bytes.length !== lenencSize(v) || lenencLength(bytes[0]!) !== bytes.length) return false;
    const r = new PayloadReader(bytes);
    if (r.lenencBigInt() !== v || r.remaining !== 0) return false;
    if (v <= BigInt(Number.MAX_SAFE_INTEGER)) {
      return new PayloadReader(bytes).lenencInt() === Number(v) && lenencValue(bytes, 0) === Number(v);
    }
    try {
      new PayloadReader(bytes).lenencInt();
      return v < 1n << 53n;
    } catch (err) {
      return err instanceof MysqlProtocolError;
    }
  }), { numRuns: 2000 });
  t.pass('2000 values');
  t.equal(lenencLength(0xfb), 0, 'NULL does not start an integer');
  t.equal(lenencLength(0xff), 0);
  t.throws(() => new PacketWriter().lenencInt(-1), MysqlProtocolError);
  t.throws(() => new PacketWriter().lenencInt(1n << 64n), MysqlProtocolError);
});

t.test('length-encoded strings round-trip, as do NUL-terminated ones', async (t) => {
  fc.assert(fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 6 }), (strings) => {
    const w = new PacketWriter();
    for (const s of strings) w.lenencString(s).nulString(s.replaceAll('\0', ''));
    const r = new PayloadReader(payloadOf(w.finish(0)));
    for (const s of strings) {
      if (r.lenencString() !== s || r.nulString() !== s.replaceAll('\0', '')) return false;
    }
    return r.remaining === 0;
  }), { numRuns: 500 });
  t.pass('500 lists of strings');
});

const changeArb: fc.Arbitrary<SessionStateChange> = fc.oneof(
  fc.record({ type: fc.constant('system_variable' as const), name: fc.string({ minLength: 1, maxLength: 20 }), value: fc.string({ maxLength: 40 }) }),
  fc.record({ type: fc.constant('schema' as const), name: fc.string({ maxLength: 20 }) }),
  fc.record({ type: fc.constant('state_change' as const), changed: fc.boolean() }),
  fc.record({ type: fc.constant('transaction_characteristics' as const), value: fc.string({ maxLength: 30 }) }),
  fc.record({ type: fc.constant('transaction_state' as const), value: fc.string({ maxLength: 8 }) }),
  fc.record({ type: fc.constant('other' as const), code: fc.constantFrom(3, 6, 200), data: fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)) }),
);

t.test('OK packets round-trip with and without session tracking', async (t) => {
  fc.assert(fc.property(
    u64, u64, fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), fc.string({ maxLength: 60 }),
    fc.array(changeArb, { maxLength: 5 }), fc.boolean(), fc.constantFrom(0x00, 0xfe),
    (affectedRows, lastInsertId, status, warnings, info, changes, track, header) => {
      const caps = CLIENT_PROTOCOL_41 | (track ? CLIENT_SESSION_TRACK : 0);
      const ok: OkPacket = { header, affectedRows, lastInsertId, statusFlags: status, warnings, info, sessionStateChanges: changes };
      const back = parseOk(payloadOf(buildOk(ok, caps, 1)), caps);
      const wantStatus = track && changes.length > 0 ? status | SERVER_SESSION_STATE_CHANGED : status & ~SERVER_SESSION_STATE_CHANGED;
      const wantChanges = track ? changes.map((c) => (c.type === 'other' ? { ...c, data: Buffer.from(c.data) } : c)) : [];
      t.same(back, { ...ok, statusFlags: wantStatus, sessionStateChanges: wantChanges });
      return true;
    },
  ), { numRuns: 300 });
});

t.test('OK packets from MariaDB 10.11', async (t) => {
  // An INSERT into an auto-increment table inside a transaction (built: MariaDB's layout), session tracking off.
  const insert = parseOk(Buffer.from('00010703000000', 'hex'), CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS);
  t.same([insert.affectedRows, insert.lastInsertId, insert.statusFlags, insert.warnings, insert.info], [1n, 7n, SERVER_STATUS_IN_TRANS | SERVER_STATUS_AUTOCOMMIT, 0, '']);
  // SET time_zone='+01:00' with CLIENT_SESSION_TRACK: the server reports the variable's new value.
  const track = CLIENT_PROTOCOL_41 | CLIENT_SESSION_TRACK;
  const set = parseOk(Buffer.from('00000002400000001300110974696d655f7a6f6e65062b30313a3030', 'hex'), track);
  t.same(set.sessionStateChanges, [{ type: 'system_variable', name: 'time_zone', value: '+01:00' }]);
  t.equal(set.statusFlags, SERVER_STATUS_AUTOCOMMIT | SERVER_SESSION_STATE_CHANGED);
  // USE mysql: the schema change.
  t.same(parseOk(Buffer.from('0000000240000000080106056d7973716c', 'hex'), track).sessionStateChanges, [{ type: 'schema', name: 'mysql' }]);
  // The same OKs rebuilt byte for byte.
  t.equal(buildOk(set, track, 1).subarray(4).toString('hex'), '00000002400000001300110974696d655f7a6f6e65062b30313a3030');
});

t.test('ERR packets: with and without SQLSTATE, and built from typed errors', async (t) => {
  // MariaDB 10.11 on INSERT INTO nope in schema mysql.
  const e = parseErr(Buffer.from('ff7a042334325330325461626c6520276d7973716c2e6e6f70652720646f65736e2774206578697374', 'hex'));
  t.same(e, { errno: 1146, sqlState: '42S02', message: "Table 'mysql.nope' doesn't exist" });
  t.same(parseErr(Buffer.concat([Buffer.from([0xff, 0x10, 0x04]), Buffer.from('Too many connections')])), { errno: 1040, sqlState: '', message: 'Too many connections' });
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), fc.stringMatching(/^[0-9A-Z]{5}$/), fc.string({ maxLength: 100 }), (errno, sqlState, message) => {
    const back = parseErr(payloadOf(buildErr({ errno, sqlState, message }, 3)));
    return back.errno === errno && back.sqlState === sqlState && back.message === message;
  }));
  const err = new MysqlProtocolError('packet sequence id 3, expected 1', 1156);
  const wire = buildErr(err, 2);
  t.same(parseErr(payloadOf(wire)), { errno: 1156, sqlState: '08S01', message: err.message });
  t.equal(wire[3], 2, 'sequence id');
  t.equal(parseErr(payloadOf(buildErr({ errno: 1, sqlState: 'bad', message: '' }, 0))).sqlState, 'HY000', 'an invalid SQLSTATE becomes HY000');
});

t.test('EOF packets round-trip and are told from rows and OKs by length', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), (warnings, statusFlags) => {
    const p = payloadOf(buildEof({ warnings, statusFlags }, 9));
    return isEofPacket(p) && parseEof(p).warnings === warnings && parseEof(p).statusFlags === statusFlags;
  }));
  t.notOk(isEofPacket(Buffer.from([0xfe, 0, 0, 0, 0, 0, 0, 0, 0])), 'nine bytes starting 0xfe are a length-encoded integer');
  t.same(parseEof(Buffer.from([0xfe])), { warnings: 0, statusFlags: 0 }, 'pre-4.1 EOF');
});

t.test('arbitrary payloads make the parsers throw nothing but MysqlProtocolError', async (t) => {
  const caps = fc.constantFrom(0, CLIENT_PROTOCOL_41, CLIENT_TRANSACTIONS, CLIENT_PROTOCOL_41 | CLIENT_SESSION_TRACK);
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 80 }),
    fc.uint8Array({ maxLength: 80 }).map((a) => Uint8Array.from([0x00, ...a])),
    fc.uint8Array({ maxLength: 80 }).map((a) => Uint8Array.from([0x00, 0, 0, 0, 0x40, 0, 0, ...a])),
  );
  fc.assert(fc.property(bytes, caps, (b, c) => {
    const payload = Buffer.from(b);
    for (const parse of [() => parseOk(payload, c), () => parseErr(payload), () => parseEof(payload), () => readSessionState(payload)]) {
      try {
        parse();
      } catch (err) {
        if (!(err instanceof MysqlProtocolError)) return false;
      }
    }
    return true;
  }), { numRuns: 2000 });
  t.pass('2000 payloads');
});
