/**
 * Frontend messages Sluice writes towards servers. The ordinary ones come from pg-protocol's
 * serializer; the renaming helpers below rewrite a client's message around a new statement
 * name without decoding its parameters.
 */
import { F } from './constants.js';

// The CommonJS serializer module directly: pg-protocol's ESM wrapper is a .js file in a
// CommonJS package, which tap's TypeScript loader then fails to load.
export { serialize } from 'pg-protocol/dist/serializer';

function withName(type: number, prefix: Buffer | null, name: string, rest: Buffer, restStart: number, restEnd: number): Buffer {
  const nameLen = Buffer.byteLength(name);
  const pre = prefix ? prefix.length : 0;
  const bodyLen = pre + nameLen + 1 + (restEnd - restStart);
  const buf = Buffer.allocUnsafe(1 + 4 + bodyLen);
  buf[0] = type;
  buf.writeInt32BE(4 + bodyLen, 1);
  let o = 5;
  if (prefix) o += prefix.copy(buf, o);
  o += buf.write(name, o, 'utf8');
  buf[o++] = 0;
  rest.copy(buf, o, restStart, restEnd);
  return buf;
}

/** Parse message for `name` whose body after the name is body[start, end) (query, types). */
export function parseWithName(name: string, body: Buffer, start = 0, end = body.length): Buffer {
  return withName(F.Parse, null, name, body, start, end);
}

/** Bind: portal name bytes kept as they are, statement renamed, the rest copied. */
export function bindWithStatement(portal: Buffer, statement: string, msg: Buffer, restStart: number, restEnd: number): Buffer {
  return withName(F.Bind, portal, statement, msg, restStart, restEnd);
}

/** Describe or Close of a statement ('S') under another name. */
export function statementTarget(type: number, statement: string): Buffer {
  return withName(type, Buffer.from('S'), statement, Buffer.alloc(0), 0, 0);
}
