/**
 * Builders of the replies Sluice answers itself (HELLO, AUTH, CLIENT SETNAME, refusals...),
 * in the client's protocol version. Each computes its length once and fills one buffer.
 */

/** The client's RESP version, as chosen with HELLO (2 until then). */
export type RespVersion = 2 | 3;

/** A value for the aggregate builders: text and bytes become bulks, numbers integers. */
export type ReplyValue = string | Buffer | number | null | readonly ReplyValue[];

export const OK_REPLY = Buffer.from('+OK\r\n');
const NULL_BULK_RESP2 = Buffer.from('$-1\r\n');
const NULL_ARRAY_RESP2 = Buffer.from('*-1\r\n');
const NULL_RESP3 = Buffer.from('_\r\n');

/** "+text\r\n"; CR and LF become spaces, as Redis does, so that the line stays one line. */
export function simpleString(text: string): Buffer {
  return line(0x2b, oneLine(text));
}

/** "-message\r\n"; the message starts with its code (ERR, WRONGPASS, NOPROTO...). */
export function errorReply(message: string): Buffer {
  return line(0x2d, oneLine(message));
}

export function integerReply(value: number | bigint): Buffer {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`not an integer: ${value}`);
  return line(0x3a, String(value));
}

export function bulkReply(value: string | Buffer): Buffer {
  const size = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  const head = `$${size}\r\n`;
  const out = Buffer.allocUnsafe(head.length + size + 2);
  let o = out.write(head, 0, 'latin1');
  o += typeof value === 'string' ? out.write(value, o) : value.copy(out, o);
  out.write('\r\n', o, 'latin1');
  return out;
}

/** A missing string: "$-1" in RESP2, "_" in RESP3. */
export function nullBulk(version: RespVersion): Buffer {
  return version === 3 ? NULL_RESP3 : NULL_BULK_RESP2;
}

/** A missing array (EXEC after a failed WATCH): "*-1" in RESP2, "_" in RESP3. */
export function nullArray(version: RespVersion): Buffer {
  return version === 3 ? NULL_RESP3 : NULL_ARRAY_RESP2;
}

/** An array of bulks (null entries are null bulks). */
export function arrayOfBulks(items: readonly (string | Buffer | null)[], version: RespVersion): Buffer {
  return encode(items, version);
}

/**
 * A map: "%n" of key/value pairs in RESP3, a flat array of 2n elements in RESP2, which is how
 * Redis answers HELLO in each version.
 */
export function mapReply(entries: readonly (readonly [string, ReplyValue])[], version: RespVersion): Buffer {
  const parts: Buffer[] = [Buffer.from(version === 3 ? `%${entries.length}\r\n` : `*${entries.length * 2}\r\n`)];
  for (const [key, value] of entries) {
    parts.push(bulkReply(key));
    parts.push(encode(value, version));
  }
  return Buffer.concat(parts);
}

function encode(value: ReplyValue, version: RespVersion): Buffer {
  if (value === null) return nullBulk(version);
  if (typeof value === 'number') return integerReply(value);
  if (typeof value === 'string' || Buffer.isBuffer(value)) return bulkReply(value);
  const parts: Buffer[] = [Buffer.from(`*${value.length}\r\n`)];
  for (const item of value) parts.push(encode(item, version));
  return Buffer.concat(parts);
}

function line(type: number, text: string): Buffer {
  const size = Buffer.byteLength(text);
  const out = Buffer.allocUnsafe(size + 3);
  out[0] = type;
  out.write(text, 1);
  out[size + 1] = 0x0d;
  out[size + 2] = 0x0a;
  return out;
}

function oneLine(text: string): string {
  return /[\r\n]/.test(text) ? text.replace(/[\r\n]/g, ' ') : text;
}
