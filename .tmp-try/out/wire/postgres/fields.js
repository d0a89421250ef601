/** Readers for the few message bodies Sluice must look inside. */
import { ProtocolError } from '../../errors.js';
/** Index of the NUL that ends a C string starting at `start`, or throws if none before `end`. */
export function cstringEnd(buf, start, end) {
    const nul = buf.indexOf(0, start);
    if (nul < 0 || nul >= end)
        throw new ProtocolError('unterminated string in message');
    return nul;
}
export function readCString(buf, start, end) {
    return buf.toString('utf8', start, cstringEnd(buf, start, end));
}
/** ErrorResponse / NoticeResponse fields keyed by their one-letter code ('C' = SQLSTATE, 'M' = message). */
export function readNoticeFields(buf, start, end) {
    const out = new Map();
    let o = start + 5;
    while (o < end && buf[o] !== 0) {
        const key = String.fromCharCode(buf[o]);
        const stop = cstringEnd(buf, o + 1, end);
        out.set(key, buf.toString('utf8', o + 1, stop));
        o = stop + 1;
    }
    return out;
}
/** A ParameterStatus message's name and value. */
export function readParameterStatus(buf, start, end) {
    const nameEnd = cstringEnd(buf, start + 5, end);
    const name = buf.toString('utf8', start + 5, nameEnd);
    const value = readCString(buf, nameEnd + 1, end);
    return [name, value];
}
//# sourceMappingURL=fields.js.map