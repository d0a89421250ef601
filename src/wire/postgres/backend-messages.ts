/**
 * Builders for the backend messages Sluice itself sends to clients. The constant ones are
 * built once; the rest compute their length once and fill one buffer.
 */
import { AUTH, B, TX_IDLE } from './constants.js';

function header(type: number, bodyLength: number): Buffer {
  const buf = Buffer.allocUnsafe(1 + 4 + bodyLength);
  buf[0] = type;
  buf.writeInt32BE(4 + bodyLength, 1);
  return buf;
}

function authMessage(code: number, extra?: Buffer): Buffer {
  const buf = header(B.Authentication, 4 + (extra ? extra.length : 0));
  buf.writeInt32BE(code, 5);
  if (extra) extra.copy(buf, 9);
  return buf;
}

export const AUTH_OK = authMessage(AUTH.Ok);
export const PARSE_COMPLETE = header(B.ParseComplete, 0);
export const CLOSE_COMPLETE = header(B.CloseComplete, 0);
export const READY_IDLE = readyForQuery(TX_IDLE);

export function authCleartextRequest(): Buffer { return authMessage(AUTH.CleartextPassword); }

export function authMd5Request(salt: Buffer): Buffer { return authMessage(AUTH.MD5Password, salt); }

export function authSaslRequest(mechanisms: readonly string[]): Buffer {
  const names = Buffer.from(mechanisms.map((m) => m + '\0').join('') + '\0', 'utf8');
  return authMessage(AUTH.SASL, names);
}

export function authSaslContinue(data: Buffer): Buffer { return authMessage(AUTH.SASLContinue, data); }

export function authSaslFinal(data: Buffer): Buffer { return authMessage(AUTH.SASLFinal, data); }

export function parameterStatus(name: string, value: string): Buffer {
  const n = Buffer.byteLength(name), v = Buffer.byteLength(value);
  const buf = header(B.ParameterStatus, n + 1 + v + 1);
  buf.write(name, 5, 'utf8');
  buf[5 + n] = 0;
  buf.write(value, 6 + n, 'utf8');
  buf[6 + n + v] = 0;
  return buf;
}

export function backendKeyData(pid: number, secret: number): Buffer {
  const buf = header(B.BackendKeyData, 8);
  buf.writeInt32BE(pid, 5);
  buf.writeInt32BE(secret, 9);
  return buf;
}

export function readyForQuery(status: number): Buffer {
  const buf = header(B.ReadyForQuery, 1);
  buf[5] = status;
  return buf;
}

export function commandComplete(tag: string): Buffer {
  const t = Buffer.byteLength(tag);
  const buf = header(B.CommandComplete, t + 1);
  buf.write(tag, 5, 'utf8');
  buf[5 + t] = 0;
  return buf;
}

export interface NoticeFields {
  severity: 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE' | 'INFO' | 'LOG' | 'DEBUG';
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

function fieldsMessage(type: number, f: NoticeFields): Buffer {
  const parts: [number, string][] = [
    [0x53, f.severity], // S localized severity
    [0x56, f.severity], // V non-localized severity
    [0x43, f.code], // C
    [0x4d, f.message], // M
  ];
  if (f.detail) parts.push([0x44, f.detail]);
  if (f.hint) parts.push([0x48, f.hint]);
  let len = 1;
  for (const [, v] of parts) len += 1 + Buffer.byteLength(v) + 1;
  const buf = header(type, len);
  let o = 5;
  for (const [k, v] of parts) {
    buf[o++] = k;
    o += buf.write(v, o, 'utf8');
    buf[o++] = 0;
  }
  buf[o] = 0;
  return buf;
}

export function errorResponse(f: Omit<NoticeFields, 'severity'> & { severity?: 'ERROR' | 'FATAL' }): Buffer {
  return fieldsMessage(B.ErrorResponse, { ...f, severity: f.severity ?? 'ERROR' });
}

export function noticeResponse(f: NoticeFields): Buffer {
  return fieldsMessage(B.NoticeResponse, f);
}

/** A result column: its name and type OID (text 25, int4 23, int8 20, numeric 1700). */
export interface ColumnSpec { name: string; typeOid: number }

/** RowDescription for text-format columns that belong to no table. */
export function rowDescription(columns: readonly ColumnSpec[]): Buffer {
  let len = 2;
  for (const c of columns) len += Buffer.byteLength(c.name) + 1 + 18;
  const buf = header(B.RowDescription, len);
  buf.writeInt16BE(columns.length, 5);
  let o = 7;
  for (const c of columns) {
    o += buf.write(c.name, o, 'utf8');
    buf[o++] = 0;
    buf.writeInt32BE(0, o); // table OID
    buf.writeInt16BE(0, o + 4); // column number
    buf.writeInt32BE(c.typeOid, o + 6);
    buf.writeInt16BE(-1, o + 10); // type size: variable; clients read the OID
    buf.writeInt32BE(-1, o + 12); // type modifier
    buf.writeInt16BE(0, o + 16); // text format
    o += 18;
  }
  return buf;
}

/** DataRow of text values; null is SQL NULL. */
export function dataRow(values: readonly (string | null)[]): Buffer {
  let len = 2;
  for (const v of values) len += 4 + (v === null ? 0 : Buffer.byteLength(v));
  const buf = header(B.DataRow, len);
  buf.writeInt16BE(values.length, 5);
  let o = 7;
  for (const v of values) {
    if (v === null) {
      buf.writeInt32BE(-1, o);
      o += 4;
    } else {
      const n = buf.write(v, o + 4, 'utf8');
      buf.writeInt32BE(n, o);
      o += 4 + n;
    }
  }
  return buf;
}
