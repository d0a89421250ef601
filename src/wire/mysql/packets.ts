/**
 * The generic response packets: OK, ERR and EOF, parsed from a payload (the bytes after the
 * 4-byte header) and built as whole packets. OK packets carry what the proxy keeps per client:
 * the last insert id (LAST_INSERT_ID() must answer from the client's own last OK), the status
 * flags (SERVER_STATUS_IN_TRANS decides when a connection may be released), and with
 * CLIENT_SESSION_TRACK the session changes the server reports.
 */
import { MysqlProtocolError } from '../../errors.js';
import {
  CLIENT_PROTOCOL_41, CLIENT_SESSION_TRACK, CLIENT_TRANSACTIONS, EOF_HEADER, ERR_HEADER, OK_HEADER,
  SERVER_SESSION_STATE_CHANGED,
} from './constants.js';
import { PacketWriter } from './packet-writer.js';
import { PayloadReader } from './payload-reader.js';
import { type SessionStateChange, readSessionState, writeSessionState } from './session-state.js';

export interface OkPacket {
  /** 0x00, or 0xfe for the OK that ends a resultset under CLIENT_DEPRECATE_EOF. */
  header: number;
  affectedRows: bigint;
  lastInsertId: bigint;
  statusFlags: number;
  warnings: number;
  info: string;
  sessionStateChanges: SessionStateChange[];
}

export interface ErrPacket {
  errno: number;
  /** Five characters; '' when the server sent none (errors before the 4.1 handshake completes). */
  sqlState: string;
  message: string;
}

export interface EofPacket {
  warnings: number;
  statusFlags: number;
}

/** MariaDB's progress report travels as an ERR packet with this number and ends nothing. */
export const PROGRESS_REPORT_ERRNO = 0xffff;

/** Parse an OK payload; throws MysqlProtocolError when it is not one or is truncated. */
export function parseOk(payload: Buffer, capabilities: number): OkPacket {
  const r = new PayloadReader(payload);
  const header = r.u8();
  if (header !== OK_HEADER && header !== EOF_HEADER) throw new MysqlProtocolError(`not an OK packet (0x${header.toString(16)})`);
  const affectedRows = r.lenencBigInt();
  const lastInsertId = r.lenencBigInt();
  let statusFlags = 0;
  let warnings = 0;
  if (capabilities & CLIENT_PROTOCOL_41) {
    statusFlags = r.u16();
    warnings = r.u16();
  } else if (capabilities & CLIENT_TRANSACTIONS) {
    statusFlags = r.u16();
  }
  let info = '';
  let sessionStateChanges: SessionStateChange[] = [];
  if (capabilities & CLIENT_SESSION_TRACK) {
    // Servers leave out an empty info string at the very end of the packet.
    if (r.remaining > 0) info = r.lenencString();
    if (statusFlags & SERVER_SESSION_STATE_CHANGED && r.remaining > 0) sessionStateChanges = readSessionState(r.lenencBytes());
  } else {
    info = r.restString();
  }
  return { header, affectedRows, lastInsertId, statusFlags, warnings, info, sessionStateChanges };
}

/** An OK packet; `sessionStateChanges` are written (and the flag set) only with CLIENT_SESSION_TRACK. */
export function buildOk(ok: Partial<OkPacket>, capabilities: number, sequenceId: number): Buffer {
  const w = new PacketWriter().u8(ok.header ?? OK_HEADER).lenencInt(ok.affectedRows ?? 0n).lenencInt(ok.lastInsertId ?? 0n);
  const changes = ok.sessionStateChanges ?? [];
  const track = (capabilities & CLIENT_SESSION_TRACK) !== 0;
  let status = ok.statusFlags ?? 0;
  if (track && changes.length > 0) status |= SERVER_SESSION_STATE_CHANGED;
  else status &= ~SERVER_SESSION_STATE_CHANGED;
  if (capabilities & CLIENT_PROTOCOL_41) w.u16(status).u16(ok.warnings ?? 0);
  else if (capabilities & CLIENT_TRANSACTIONS) w.u16(status);
  if (track) {
    w.lenencString(ok.info ?? '');
    if (changes.length > 0) w.lenencBytes(writeSessionState(changes));
  } else {
    w.string(ok.info ?? '');
  }
  return w.finish(sequenceId);
}

/** Parse an ERR payload; the '#' + SQLSTATE marker is optional, as it is on the wire. */
export function parseErr(payload: Buffer): ErrPacket {
  const r = new PayloadReader(payload);
  if (r.u8() !== ERR_HEADER) throw new MysqlProtocolError('not an ERR packet');
  const errno = r.u16();
  let sqlState = '';
  if (r.remaining >= 6 && payload[r.pos] === 0x23) {
    r.skip(1);
    sqlState = r.bytes(5).toString('latin1');
  }
  return { errno, sqlState, message: r.restString() };
}

/** An ERR packet in the 4.1 form every client Sluice accepts understands. */
export function buildErr(err: ErrPacket, sequenceId: number): Buffer {
  const state = /^[0-9A-Z]{5}$/.test(err.sqlState) ? err.sqlState : 'HY000';
  return new PacketWriter(err.message.length + 9).u8(ERR_HEADER).u16(err.errno).u8(0x23).string(state).string(err.message).finish(sequenceId);
}

/** An EOF packet: 0xfe and a payload shorter than 9 bytes (a longer one starting 0xfe is a row or an OK). */
export function isEofPacket(payload: Buffer): boolean {
  return payload.length > 0 && payload.length < 9 && payload[0] === EOF_HEADER;
}

export function parseEof(payload: Buffer): EofPacket {
  if (!isEofPacket(payload)) throw new MysqlProtocolError('not an EOF packet');
  // A pre-4.1 EOF is the 0xfe byte alone.
  if (payload.length < 5) return { warnings: 0, statusFlags: 0 };
  return { warnings: payload.readUInt16LE(1), statusFlags: payload.readUInt16LE(3) };
}

export function buildEof(eof: EofPacket, sequenceId: number): Buffer {
  return new PacketWriter(5).u8(EOF_HEADER).u16(eof.warnings).u16(eof.statusFlags).finish(sequenceId);
}
