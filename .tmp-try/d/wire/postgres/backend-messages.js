/**
 * Builders for the backend messages Sluice itself sends to clients. The constant ones are
 * built once; the rest compute their length once and fill one buffer.
 */
import { AUTH, B, TX_IDLE } from './constants.js';
function header(type, bodyLength) {
    const buf = Buffer.allocUnsafe(1 + 4 + bodyLength);
    buf[0] = type;
    buf.writeInt32BE(4 + bodyLength, 1);
    return buf;
}
function authMessage(code, extra) {
    const buf = header(B.Authentication, 4 + (extra ? extra.length : 0));
    buf.writeInt32BE(code, 5);
    if (extra)
        extra.copy(buf, 9);
    return buf;
}
export const AUTH_OK = authMessage(AUTH.Ok);
export const PARSE_COMPLETE = header(B.ParseComplete, 0);
export const CLOSE_COMPLETE = header(B.CloseComplete, 0);
export const READY_IDLE = readyForQuery(TX_IDLE);
export function authCleartextRequest() { return authMessage(AUTH.CleartextPassword); }
export function authMd5Request(salt) { return authMessage(AUTH.MD5Password, salt); }
export function authSaslRequest(mechanisms) {
    const names = Buffer.from(mechanisms.map((m) => m + '\0').join('') + '\0', 'utf8');
    return authMessage(AUTH.SASL, names);
}
export function authSaslContinue(data) { return authMessage(AUTH.SASLContinue, data); }
export function authSaslFinal(data) { return authMessage(AUTH.SASLFinal, data); }
export function parameterStatus(name, value) {
    const n = Buffer.byteLength(name), v = Buffer.byteLength(value);
    const buf = header(B.ParameterStatus, n + 1 + v + 1);
    buf.write(name, 5, 'utf8');
    buf[5 + n] = 0;
    buf.write(value, 6 + n, 'utf8');
    buf[6 + n + v] = 0;
    return buf;
}
export function backendKeyData(pid, secret) {
    const buf = header(B.BackendKeyData, 8);
    buf.writeInt32BE(pid, 5);
    buf.writeInt32BE(secret, 9);
    return buf;
}
export function readyForQuery(status) {
    const buf = header(B.ReadyForQuery, 1);
    buf[5] = status;
    return buf;
}
export function commandComplete(tag) {
    const t = Buffer.byteLength(tag);
    const buf = header(B.CommandComplete, t + 1);
    buf.write(tag, 5, 'utf8');
    buf[5 + t] = 0;
    return buf;
}
function fieldsMessage(type, f) {
    const parts = [
        [0x53, f.severity], // S localized severity
        [0x56, f.severity], // V non-localized severity
        [0x43, f.code], // C
        [0x4d, f.message], // M
    ];
    if (f.detail)
        parts.push([0x44, f.detail]);
    if (f.hint)
        parts.push([0x48, f.hint]);
    let len = 1;
    for (const [, v] of parts)
        len += 1 + Buffer.byteLength(v) + 1;
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
export function errorResponse(f) {
    return fieldsMessage(B.ErrorResponse, { ...f, severity: f.severity ?? 'ERROR' });
}
export function noticeResponse(f) {
    return fieldsMessage(B.NoticeResponse, f);
}
//# sourceMappingURL=backend-messages.js.map