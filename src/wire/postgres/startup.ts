/**
 * The untyped first packet of a PostgreSQL connection: StartupMessage, SSLRequest,
 * GSSENCRequest or CancelRequest (int32 length, int32 code, body).
 */
import { ProtocolError } from '../../errors.js';
import { CANCEL_REQUEST_CODE, GSSENC_REQUEST_CODE, SSL_REQUEST_CODE } from './constants.js';

/** PostgreSQL's own limit for a startup packet (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_PACKET = 10000;

export type StartupPacket =
  | { kind: 'ssl' }
  | { kind: 'gssenc' }
  | { kind: 'cancel'; pid: number; secret: number }
  | { kind: 'startup'; major: number; minor: number; params: Map<string, string>; protocolOptions: string[] };

/** Total length of the packet at the start of buf, or -1 if fewer than 4 bytes are there. */
export function startupPacketLength(buf: Buffer): number {
  if (buf.length < 4) return -1;
  const len = buf.readInt32BE(0);
  if (len < 8 || len > MAX_STARTUP_PACKET) throw new ProtocolError(`invalid startup packet length ${len}`);
  return len;
}

export function parseStartupPacket(packet: Buffer): StartupPacket {
  if (packet.length < 8) throw new ProtocolError(`invalid startup packet length ${packet.length}`);
  const code = packet.readInt32BE(4);
  if (code === SSL_REQUEST_CODE && packet.length === 8) return { kind: 'ssl' };
  if (code === GSSENC_REQUEST_CODE && packet.length === 8) return { kind: 'gssenc' };
  if (code === CANCEL_REQUEST_CODE) {
    if (packet.length !== 16) throw new ProtocolError('invalid cancel request length');
    return { kind: 'cancel', pid: packet.readInt32BE(8), secret: packet.readInt32BE(12) };
  }
  const major = code >>> 16, minor = code & 0xffff;
  if (major !== 3) throw new ProtocolError(`unsupported frontend protocol ${major}.${minor}: server supports 3.0`);
  return { kind: 'startup', major, minor, ...readParams(packet) };
}

function readParams(packet: Buffer): { params: Map<string, string>; protocolOptions: string[] } {
  const params = new Map<string, string>();
  const protocolOptions: string[] = [];
  let o = 8;
  const end = packet.length;
  while (o < end && packet[o] !== 0) {
    const keyEnd = packet.indexOf(0, o);
    if (keyEnd < 0 || keyEnd >= end) throw new ProtocolError('invalid startup packet layout: expected terminator as last byte');
    const valEnd = packet.indexOf(0, keyEnd + 1);
    if (valEnd < 0 || valEnd >= end) throw new ProtocolError('invalid startup packet layout: expected terminator as last byte');
    const key = packet.toString('utf8', o, keyEnd);
    const value = packet.toString('utf8', keyEnd + 1, valEnd);
    if (key.startsWith('_pq_.')) protocolOptions.push(key);
    else params.set(key, value);
    o = valEnd + 1;
  }
  if (o !== end - 1) throw new ProtocolError('invalid startup packet layout: expected terminator as last byte');
  return { params, protocolOptions };
}

/** Turn `-c name=value` (and `--name=value`) switches of the `options` parameter into pairs. */
export function parseOptionsParameter(options: string): Map<string, string> {
  const out = new Map<string, string>();
  const words: string[] = [];
  let cur = '', escaped = false;
  for (const ch of options) {
    if (escaped) { cur += ch; escaped = false; }
    else if (ch === '\\') escaped = true;
    else if (ch === ' ' || ch === '\t') { if (cur) words.push(cur); cur = ''; }
    else cur += ch;
  }
  if (cur) words.push(cur);
  for (let i = 0; i < words.length; i++) {
    let setting: string | undefined;
    const w = words[i]!;
    if (w === '-c') setting = words[++i];
    else if (w.startsWith('-c')) setting = w.slice(2);
    else if (w.startsWith('--')) setting = w.slice(2);
    else throw new ProtocolError(`unsupported option "${w}" in startup options: only -c name=value is accepted`);
    const eq = setting?.indexOf('=') ?? -1;
    if (!setting || eq <= 0) throw new ProtocolError(`invalid startup option "${w}": expected -c name=value`);
    out.set(setting.slice(0, eq).replace(/-/g, '_'), setting.slice(eq + 1));
  }
  return out;
}
