/**
 * Protocol::HandshakeResponse41, the client's answer to the greeting (Sluice parses its
 * clients' and builds its own for backends), and the SSLRequest: the same packet cut after
 * its fixed 32 bytes, after which the connection switches to TLS and the full response
 * follows. MariaDB clients put their extension capability word in the last 4 filler bytes.
 */
import { MysqlProtocolError } from '../../errors.js';
import {
  CLIENT_CONNECT_ATTRS, CLIENT_CONNECT_WITH_DB, CLIENT_LONG_PASSWORD, CLIENT_PLUGIN_AUTH,
  CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA, CLIENT_PROTOCOL_41, CLIENT_SECURE_CONNECTION, CLIENT_SSL, DEFAULT_CHARSET,
} from './constants.js';
import { ER_HANDSHAKE_ERROR } from './handshake.js';
import { PacketWriter } from './packet-writer.js';
import { PayloadReader } from './payload-reader.js';

/** Bytes of an SSLRequest, and of the fixed part of every HandshakeResponse41. */
export const SSL_REQUEST_LENGTH = 32;

export interface HandshakeResponse41 {
  capabilities: number;
  /** MariaDB's extension word; 0 from MySQL clients (which set CLIENT_LONG_PASSWORD). */
  mariadbCapabilities: number;
  maxPacketSize: number;
  charset: number;
  username: string;
  /** The plugin's answer to the scramble (empty for an empty password). */
  authResponse: Buffer;
  /** Present only with CLIENT_CONNECT_WITH_DB. */
  database: string | null;
  /** Present only with CLIENT_PLUGIN_AUTH. */
  authPluginName: string | null;
  /** Present only with CLIENT_CONNECT_ATTRS, in the client's order. */
  connectAttributes: Map<string, string> | null;
}

export type HandshakeResponseOptions = Pick<HandshakeResponse41, 'capabilities' | 'username' | 'authResponse'> & Partial<HandshakeResponse41>;

/** An SSLRequest: 32 bytes with CLIENT_SSL set. A full response over TLS sets CLIENT_SSL too, but is longer. */
export function isSslRequest(payload: Buffer): boolean {
  return payload.length === SSL_REQUEST_LENGTH && (payload[1]! & (CLIENT_SSL >> 8)) !== 0;
}

export function buildSslRequest(r: Omit<HandshakeResponseOptions, 'username' | 'authResponse'>, sequenceId: number): Buffer {
  return writeFixedPart(new PacketWriter(SSL_REQUEST_LENGTH), { ...r, capabilities: r.capabilities | CLIENT_SSL }).finish(sequenceId);
}

export function buildHandshakeResponse(r: HandshakeResponseOptions, sequenceId: number): Buffer {
  const caps = r.capabilities >>> 0;
  const w = writeFixedPart(new PacketWriter(128), r).nulString(r.username);
  if (caps & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA) {
    w.lenencBytes(r.authResponse);
  } else if (caps & CLIENT_SECURE_CONNECTION) {
    if (r.authResponse.length > 255) throw new MysqlProtocolError('auth response too long without CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA');
    w.u8(r.authResponse.length).bytes(r.authResponse);
  } else {
    w.bytes(r.authResponse).u8(0);
  }
  if (caps & CLIENT_CONNECT_WITH_DB) w.nulString(r.database ?? '');
  if (caps & CLIENT_PLUGIN_AUTH) w.nulString(r.authPluginName ?? '');
  if (caps & CLIENT_CONNECT_ATTRS) {
    const attrs = new PacketWriter();
    for (const [k, v] of r.connectAttributes ?? []) attrs.lenencString(k).lenencString(v);
    w.lenencBytes(attrs.payload());
  }
  return w.finish(sequenceId);
}

/**
 * Parse a client's HandshakeResponse41. Clients without CLIENT_PROTOCOL_41 (MySQL 4.0 and
 * older) are refused, as MySQL 8 refuses them; bad bytes throw MysqlProtocolError 1043.
 */
export function parseHandshakeResponse(payload: Buffer): HandshakeResponse41 {
  try {
    return readResponse(payload);
  } catch (err) {
    if (err instanceof MysqlProtocolError && err.errno !== ER_HANDSHAKE_ERROR) {
      throw new MysqlProtocolError(`bad handshake response: ${err.message}`, ER_HANDSHAKE_ERROR);
    }
    throw err;
  }
}

function readResponse(payload: Buffer): HandshakeResponse41 {
  const r = new PayloadReader(payload);
  const capabilities = r.u32();
  if (!(capabilities & CLIENT_PROTOCOL_41)) throw new MysqlProtocolError('client does not speak protocol 4.1', ER_HANDSHAKE_ERROR);
  const maxPacketSize = r.u32();
  const charset = r.u8();
  r.skip(19);
  const ext = r.u32();
  const mariadbCapabilities = capabilities & CLIENT_LONG_PASSWORD ? 0 : ext;
  const username = r.nulString();
  let authResponse: Buffer;
  if (capabilities & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA) authResponse = r.lenencBytes();
  else if (capabilities & CLIENT_SECURE_CONNECTION) authResponse = r.bytes(r.u8());
  else authResponse = r.nulBytes();
  // Some clients announce a flag and end the packet before its field: treat it as absent.
  const database = capabilities & CLIENT_CONNECT_WITH_DB && r.remaining > 0 ? r.nulOrRestString() : null;
  const authPluginName = capabilities & CLIENT_PLUGIN_AUTH && r.remaining > 0 ? r.nulOrRestString() : null;
  let connectAttributes: Map<string, string> | null = null;
  if (capabilities & CLIENT_CONNECT_ATTRS && r.remaining > 0) {
    const a = new PayloadReader(r.lenencBytes());
    connectAttributes = new Map();
    while (a.remaining > 0) connectAttributes.set(a.lenencString(), a.lenencString());
  }
  return {
    capabilities, mariadbCapabilities, maxPacketSize, charset, username, authResponse, database, authPluginName, connectAttributes,
  };
}

function writeFixedPart(w: PacketWriter, r: Partial<HandshakeResponse41> & { capabilities: number }): PacketWriter {
  const caps = (r.capabilities | CLIENT_PROTOCOL_41) >>> 0;
  return w.u32(caps)
    .u32(r.maxPacketSize ?? 0x100_0000)
    .u8(r.charset ?? DEFAULT_CHARSET)
    .zeros(19)
    .u32(caps & CLIENT_LONG_PASSWORD ? 0 : r.mariadbCapabilities ?? 0);
}
