/**
 * Protocol::HandshakeV10, the server's greeting: Sluice builds one for its clients and parses
 * the one each backend sends. MariaDB hides a second capability word in the greeting's filler
 * (read only when CLIENT_LONG_PASSWORD, MariaDB's CLIENT_MYSQL, is clear) and prefixes its
 * version with "5.5.5-" so that old clients which compare major versions still connect.
 */
import { MysqlProtocolError } from '../../errors.js';
import {
  CLIENT_LONG_PASSWORD, CLIENT_PLUGIN_AUTH, CLIENT_SECURE_CONNECTION, DEFAULT_CHARSET, ERR_HEADER,
  NATIVE_PASSWORD_PLUGIN, SERVER_STATUS_AUTOCOMMIT,
} from './constants.js';
import { parseErr } from './packets.js';
import { PacketWriter } from './packet-writer.js';
import { PayloadReader } from './payload-reader.js';

export const ER_HANDSHAKE_ERROR = 1043;

export interface HandshakeV10 {
  serverVersion: string;
  connectionId: number;
  /** The auth plugin data (nonce), without the NUL that ends it on the wire; 20 bytes from real servers. */
  scramble: Buffer;
  /** The 32 standard capability bits, unsigned. */
  capabilities: number;
  /** MariaDB's extension word; 0 from MySQL (and whenever CLIENT_LONG_PASSWORD is set). */
  mariadbCapabilities: number;
  charset: number;
  statusFlags: number;
  /** '' when CLIENT_PLUGIN_AUTH is not announced. */
  authPluginName: string;
}

export type HandshakeV10Options = Pick<HandshakeV10, 'serverVersion' | 'connectionId' | 'scramble' | 'capabilities'> & Partial<HandshakeV10>;

/** The greeting packet (sequence id 0). */
export function buildHandshakeV10(h: HandshakeV10Options): Buffer {
  const caps = h.capabilities >>> 0;
  const scramble = h.scramble;
  if (scramble.length < 8) throw new MysqlProtocolError('a scramble has at least 8 bytes');
  const w = new PacketWriter(96)
    .u8(10)
    .nulString(h.serverVersion)
    .u32(h.connectionId)
    .bytes(scramble.subarray(0, 8))
    .u8(0)
    .u16(caps & 0xffff)
    .u8(h.charset ?? DEFAULT_CHARSET)
    .u16(h.statusFlags ?? SERVER_STATUS_AUTOCOMMIT)
    .u16(caps >>> 16)
    .u8(caps & CLIENT_PLUGIN_AUTH ? scramble.length + 1 : 0)
    .zeros(6)
    .u32(caps & CLIENT_LONG_PASSWORD ? 0 : h.mariadbCapabilities ?? 0);
  if (caps & (CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH)) {
    // Part 2 is at least 13 bytes on the wire, its NUL included.
    const part2 = scramble.subarray(8);
    w.bytes(part2).zeros(Math.max(1, 13 - part2.length));
  }
  if (caps & CLIENT_PLUGIN_AUTH) w.nulString(h.authPluginName ?? NATIVE_PASSWORD_PLUGIN);
  return w.finish(0);
}

/**
 * Parse a backend's greeting. A server that refuses the connection outright (too many
 * connections, host blocked) sends an ERR packet instead: that is thrown as a
 * MysqlProtocolError carrying the server's own errno and SQLSTATE.
 */
export function parseHandshakeV10(payload: Buffer): HandshakeV10 {
  if (payload[0] === ERR_HEADER) {
    const err = parseErr(payload);
    throw new MysqlProtocolError(`server refused the connection: ${err.message}`, err.errno, err.sqlState || 'HY000');
  }
  const r = new PayloadReader(payload);
  const version = r.u8();
  if (version !== 10) throw new MysqlProtocolError(`unsupported handshake protocol version ${version}`, ER_HANDSHAKE_ERROR);
  const serverVersion = r.nulString();
  const connectionId = r.u32();
  const part1 = r.bytes(8);
  r.skip(1);
  let capabilities = r.u16();
  let charset = DEFAULT_CHARSET;
  let statusFlags = 0;
  let mariadbCapabilities = 0;
  let authDataLength = 0;
  let part2: Buffer = Buffer.alloc(0);
  let authPluginName = '';
  if (r.remaining > 0) {
    charset = r.u8();
    statusFlags = r.u16();
    capabilities = (capabilities | (r.u16() << 16)) >>> 0;
    authDataLength = r.u8();
    r.skip(6);
    const ext = r.u32();
    if (!(capabilities & CLIENT_LONG_PASSWORD)) mariadbCapabilities = ext;
    if (capabilities & (CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH)) {
      part2 = r.bytes(Math.min(r.remaining, Math.max(13, authDataLength - 8)));
      if (part2.length > 0 && part2[part2.length - 1] === 0) part2 = part2.subarray(0, part2.length - 1);
    }
    if (capabilities & CLIENT_PLUGIN_AUTH) authPluginName = r.nulOrRestString();
  }
  return {
    serverVersion, connectionId, scramble: Buffer.concat([part1, part2]), capabilities, mariadbCapabilities,
    charset, statusFlags, authPluginName,
  };
}
