/**
 * Sluice logging in to a MySQL or MariaDB server: the greeting, a HandshakeResponse41 with
 * the client profile's capabilities, then whatever the server asks for: an auth switch to
 * either password plugin, caching_sha2_password's fast-auth verdict, or its full path, where
 * the password goes RSA-encrypted under the public key the server sends on request.
 */
import { ServerConnectError } from '../../errors.js';
import {
  AUTH_MORE_DATA_HEADER, CACHING_SHA2_FAST_AUTH_SUCCESS, CACHING_SHA2_PERFORM_FULL_AUTH, CACHING_SHA2_PLUGIN,
  CACHING_SHA2_REQUEST_PUBLIC_KEY, CLIENT_CONNECT_ATTRS, CLIENT_CONNECT_WITH_DB, CLIENT_LONG_PASSWORD, CLIENT_PLUGIN_AUTH,
  CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA, CLIENT_PROTOCOL_41, CLIENT_SECURE_CONNECTION, EOF_HEADER, ERR_HEADER,
  type HandshakeV10, NATIVE_PASSWORD_PLUGIN, OK_HEADER, buildHandshakeResponse,
  cachingSha2EncryptPassword, cachingSha2Token, framePayload, nativePasswordToken, parseAuthSwitchRequest, parseErr,
  parseHandshakeV10, parseOk,
} from '../../wire/mysql/index.js';
import type { PacketQueue } from './packet-queue.js';

/** The capabilities a client negotiated with Sluice: its server connections speak the same dialect. */
export interface ClientProfile {
  capabilities: number;
  mariadbCapabilities: number;
  charset: number;
}

export interface ServerCredentials {
  user: string;
  password: string;
  /** '' connects without a schema. */
  database: string;
}

export interface ServerLogin {
  greeting: HandshakeV10;
  capabilities: number;
  mariadbCapabilities: number;
  statusFlags: number;
}

const REQUEST_PUBLIC_KEY = Buffer.from([CACHING_SHA2_REQUEST_PUBLIC_KEY]);

/** Errors that retrying will not cure: bad credentials, unknown schema, blocked host. */
const REFUSALS = new Set([1044, 1045, 1049, 1129, 1130, 1251, 1698]);

export async function serverLogin(queue: PacketQueue, write: (b: Buffer) => void, creds: ServerCredentials, profile: ClientProfile): Promise<ServerLogin> {
  const first = await queue.next();
  const greeting = parseHandshakeV10(first.payload);
  const server = greeting.capabilities;
  let caps = (profile.capabilities & server) | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH;
  caps &= ~(CLIENT_CONNECT_WITH_DB | CLIENT_CONNECT_ATTRS);
  if (server & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA) caps |= CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA;
  if (creds.database !== '') caps |= CLIENT_CONNECT_WITH_DB;
  // MariaDB reads its extension word only from clients that clear CLIENT_LONG_PASSWORD (CLIENT_MYSQL).
  const mariadbCapabilities = server & CLIENT_LONG_PASSWORD ? 0 : profile.mariadbCapabilities & greeting.mariadbCapabilities;
  if (mariadbCapabilities !== 0) caps &= ~CLIENT_LONG_PASSWORD;
  caps >>>= 0;
  let plugin = greeting.authPluginName || NATIVE_PASSWORD_PLUGIN;
  let scramble = greeting.scramble;
  write(buildHandshakeResponse({
    capabilities: caps, mariadbCapabilities, charset: profile.charset, username: creds.user,
    authResponse: token(plugin, creds.password, scramble), database: creds.database, authPluginName: plugin,
  }, first.seq + 1));
  let askedKey = false;
  for (;;) {
    const p = await queue.next();
    const head = p.payload[0];
    if (head === OK_HEADER) return { greeting, capabilities: caps, mariadbCapabilities, statusFlags: parseOk(p.payload, caps).statusFlags };
    if (head === ERR_HEADER) {
      const err = parseErr(p.payload);
      throw new ServerConnectError(`server refused login as ${creds.user}: ${err.errno} ${err.message}`, { refused: REFUSALS.has(err.errno) });
    }
    if (head === EOF_HEADER) {
      const sw = parseAuthSwitchRequest(p.payload);
      plugin = sw.pluginName;
      scramble = sw.pluginData;
      askedKey = false;
      write(framePayload(token(plugin, creds.password, scramble), p.seq + 1));
      continue;
    }
    if (head !== AUTH_MORE_DATA_HEADER || plugin !== CACHING_SHA2_PLUGIN) throw new ServerConnectError(`unexpected packet 0x${(head ?? 0).toString(16)} during login`);
    const data = p.payload.subarray(1);
    if (askedKey) {
      write(framePayload(cachingSha2EncryptPassword(creds.password, scramble, data.toString('latin1')), p.seq + 1));
    } else if (data[0] === CACHING_SHA2_PERFORM_FULL_AUTH) {
      askedKey = true;
      write(framePayload(REQUEST_PUBLIC_KEY, p.seq + 1));
    } else if (data[0] !== CACHING_SHA2_FAST_AUTH_SUCCESS) {
      throw new ServerConnectError('unexpected caching_sha2_password data during login');
    }
  }
}

function token(plugin: string, password: string, scramble: Buffer): Buffer {
  if (plugin === NATIVE_PASSWORD_PLUGIN) return nativePasswordToken(password, scramble);
  if (plugin === CACHING_SHA2_PLUGIN) return cachingSha2Token(password, scramble);
  throw new ServerConnectError(`server asks for auth plugin ${plugin}, which Sluice does not speak`, { refused: true });
}
