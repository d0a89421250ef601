/**
 * COM_CHANGE_USER: a client logs in again as another user (or the same, to reset its session)
 * on its open connection. Parsed by Sluice, which answers it itself; built for tests.
 */
import { MysqlProtocolError } from '../../errors.js';
import { COM_CHANGE_USER } from './commands.js';
import { CLIENT_CONNECT_ATTRS, CLIENT_PLUGIN_AUTH, CLIENT_PROTOCOL_41, CLIENT_SECURE_CONNECTION } from './constants.js';
import { PacketWriter } from './packet-writer.js';
import { PayloadReader } from './payload-reader.js';

export interface ChangeUser {
  username: string;
  authResponse: Buffer;
  database: string;
  /** 0 when the client left it out. */
  charset: number;
  authPluginName: string | null;
}

/** Parse a COM_CHANGE_USER payload (command byte included); throws MysqlProtocolError 1835 on bad bytes. */
export function parseChangeUser(payload: Buffer, capabilities: number): ChangeUser {
  const r = new PayloadReader(payload);
  if (r.u8() !== COM_CHANGE_USER) throw new MysqlProtocolError('not a COM_CHANGE_USER packet');
  const username = r.nulString();
  const authResponse = capabilities & CLIENT_SECURE_CONNECTION ? r.bytes(r.u8()) : r.nulBytes();
  const database = r.remaining > 0 ? r.nulOrRestString() : '';
  let charset = 0;
  let authPluginName: string | null = null;
  if (capabilities & CLIENT_PROTOCOL_41 && r.remaining >= 2) charset = r.u16();
  if (capabilities & CLIENT_PLUGIN_AUTH && r.remaining > 0) authPluginName = r.nulOrRestString();
  // Connection attributes (CLIENT_CONNECT_ATTRS) may follow; Sluice has no use for them here.
  return { username, authResponse, database, charset, authPluginName };
}

export function buildChangeUser(c: ChangeUser, capabilities: number): Buffer {
  const w = new PacketWriter(64).u8(COM_CHANGE_USER).nulString(c.username);
  if (capabilities & CLIENT_SECURE_CONNECTION) w.u8(c.authResponse.length).bytes(c.authResponse);
  else w.bytes(c.authResponse).u8(0);
  w.nulString(c.database);
  if (capabilities & CLIENT_PROTOCOL_41) w.u16(c.charset);
  if (capabilities & CLIENT_PLUGIN_AUTH) w.nulString(c.authPluginName ?? '');
  if (capabilities & CLIENT_CONNECT_ATTRS) w.u8(0);
  return w.finish(0);
}
