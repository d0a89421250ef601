/**
 * The packets of the authentication exchange after the handshake response: the server's
 * AuthSwitchRequest (0xfe: "use this plugin, with this nonce") and AuthMoreData (0x01: plugin
 * specific, e.g. caching_sha2_password's fast-auth verdict or its RSA public key). The
 * client's answers to both are raw plugin data, sent as a packet's whole payload.
 */
import { MysqlProtocolError } from '../../errors.js';
import { AUTH_MORE_DATA_HEADER, EOF_HEADER } from './constants.js';
import { PacketWriter } from './packet-writer.js';
import { PayloadReader } from './payload-reader.js';

export interface AuthSwitchRequest {
  pluginName: string;
  /** The plugin's data (for both password plugins: the new 20-byte scramble), its trailing NUL removed. */
  pluginData: Buffer;
}

/** Built with the trailing NUL MySQL and MariaDB send after the nonce; clients expect it. */
export function buildAuthSwitchRequest(req: AuthSwitchRequest, sequenceId: number): Buffer {
  return new PacketWriter(req.pluginName.length + req.pluginData.length + 3)
    .u8(EOF_HEADER).nulString(req.pluginName).bytes(req.pluginData).u8(0).finish(sequenceId);
}

/**
 * Parse an AuthSwitchRequest. The bare 0xfe of pre-4.1 servers (switch to the old password
 * hash) has no plugin name and is refused: Sluice never speaks mysql_old_password.
 */
export function parseAuthSwitchRequest(payload: Buffer): AuthSwitchRequest {
  const r = new PayloadReader(payload);
  if (r.u8() !== EOF_HEADER) throw new MysqlProtocolError('not an AuthSwitchRequest');
  if (r.remaining === 0) throw new MysqlProtocolError('server asks for mysql_old_password, which is not supported', 1251, '08004');
  const pluginName = r.nulString();
  let pluginData = r.rest();
  if (pluginData.length > 0 && pluginData[pluginData.length - 1] === 0) pluginData = pluginData.subarray(0, pluginData.length - 1);
  return { pluginName, pluginData };
}

export function buildAuthMoreData(data: Uint8Array, sequenceId: number): Buffer {
  return new PacketWriter(data.length + 1).u8(AUTH_MORE_DATA_HEADER).bytes(data).finish(sequenceId);
}

/** The data of an AuthMoreData packet (a view of the payload). */
export function parseAuthMoreData(payload: Buffer): Buffer {
  if (payload.length === 0 || payload[0] !== AUTH_MORE_DATA_HEADER) throw new MysqlProtocolError('not an AuthMoreData packet');
  return payload.subarray(1);
}
