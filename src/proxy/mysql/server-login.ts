/**
 * Sluice logging in to a MySQL or MariaDB server: the greeting, a HandshakeResponse41 with
 * the client profile's capabilities, then whatever the server asks for: an auth switch to
 * either password plugin, caching_sha2_password's fast-auth verdict, or its full path, where
 * the password goes RSA-encrypted under the public key the server sends on request, or in
 * clear over TLS. With server_tls an SSLRequest and the TLS handshake (server-tls.ts) come
 * between the greeting and the HandshakeResponse.
 */
import { ServerConnectError } from '../../errors.js';
import {
  AUTH_MORE_DATA_HEADER, CACHING_SHA2_FAST_AUTH_SUCCESS, CACHING_SHA2_PERFORM_FULL_AUTH, CACHING_SHA2_PLUGIN,
  CACHING_SHA2_REQUEST_PUBLIC_KEY, CLIENT_CONNECT_ATTRS, CLIENT_CONNECT_WITH_DB, CLIENT_LONG_PASSWORD, CLIENT_PLUGIN_AUTH,
  CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA, CLIENT_PROTOCOL_41, CLIENT_SECURE_CONNECTION, CLIENT_SSL, EOF_HEADER, ERR_HEADER,
  type HandshakeV10, NATIVE_PASSWORD_PLUGIN, OK_HEADER, buildChangeUser, buildHandshakeResponse,
  cachingSha2EncryptPassword, cachingSha2Token, framePayload, nativePasswordToken, parseAuthSwitchRequest, parseErr,
  parseHandshakeV10, parseOk, buildSslRequest,
} from '../../wire/mysql/index.js';
import type { PacketQueue } from './packet-queue.js';
import { loginOverTls, type ServerTlsUpgrade } from './server-tls.js';

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
  /** Logged in over TLS: caching_sha2_password's full path may send the password in clear. */
  secure: boolean;
}

const REQUEST_PUBLIC_KEY = Buffer.from([CACHING_SHA2_REQUEST_PUBLIC_KEY]);
const NUL = Buffer.alloc(1);

/** Errors that retrying will not cure: bad credentials, unknown schema, blocked host. */
const REFUSALS = new Set([1044, 1045, 1049, 1129, 1130, 1251, 1698]);

/** `tls` null: plain text (server_tls.mode disable). `write` must write to the current socket, TLS once started. */
export async function serverLogin(queue: PacketQueue, write: (b: Buffer) => void, creds: ServerCredentials, profile: ClientProfile, tls: ServerTlsUpgrade | null, hostKey: string): Promise<ServerLogin> {
  const first = await queue.next();
  const greeting = parseHandshakeV10(first.payload);
  const server = greeting.capabilities;
  let caps = (profile.capabilities & server) | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH;
  // CLIENT_SSL is the source's server_tls to decide, not the client's TLS towards Sluice.
  caps &= ~(CLIENT_CONNECT_WITH_DB | CLIENT_CONNECT_ATTRS | CLIENT_SSL);
  if (server & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA) caps |= CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA;
  if (creds.database !== '') caps |= CLIENT_CONNECT_WITH_DB;
  // MariaDB reads its extension word only from clients that clear CLIENT_LONG_PASSWORD (CLIENT_MYSQL).
  const mariadbCapabilities = server & CLIENT_LONG_PASSWORD ? 0 : profile.mariadbCapabilities & greeting.mariadbCapabilities;
  if (mariadbCapabilities !== 0) caps &= ~CLIENT_LONG_PASSWORD;
  let seq = first.seq + 1;
  const secure = tls !== null && loginOverTls(server, tls.mode, hostKey);
  if (secure) {
    caps |= CLIENT_SSL;
    write(buildSslRequest({ capabilities: caps, mariadbCapabilities, charset: profile.charset }, seq++));
    await tls.start();
  }
  caps >>>= 0;
  const plugin = greeting.authPluginName || NATIVE_PASSWORD_PLUGIN;
  write(buildHandshakeResponse({
    capabilities: caps, mariadbCapabilities, charset: profile.charset, username: creds.user,
    authResponse: token(plugin, creds.password, greeting.scramble), database: creds.database, authPluginName: plugin,
  }, seq));
  const statusFlags = await authExchange(queue, write, creds, plugin, greeting.scramble, caps, secure);
  return { greeting, capabilities: caps, mariadbCapabilities, statusFlags, secure };
}

/**
 * COM_CHANGE_USER to the same user with no schema, on a logged-in connection: the only way
 * to leave a schema (COM_RESET_CONNECTION keeps it). The server resets the session as
 * COM_RESET_CONNECTION does and authenticates again, possibly through an auth switch.
 */
export async function serverChangeUser(queue: PacketQueue, write: (b: Buffer) => void, creds: ServerCredentials, login: ServerLogin, charset: number): Promise<void> {
  const plugin = login.greeting.authPluginName || NATIVE_PASSWORD_PLUGIN;
  write(buildChangeUser({
    username: creds.user, authResponse: token(plugin, creds.password, login.greeting.scramble), database: '', charset, authPluginName: plugin,
  }, login.capabilities));
  await authExchange(queue, write, creds, plugin, login.greeting.scramble, login.capabilities, login.secure);
}

/** After the login or change-user request: the server's auth switches and plugin data, to its OK (status flags returned) or ERR (thrown). */
async function authExchange(queue: PacketQueue, write: (b: Buffer) => void, creds: ServerCredentials, firstPlugin: string, firstScramble: Buffer, caps: number, secure: boolean): Promise<number> {
  let plugin = firstPlugin;
  let scramble = firstScramble;
  let askedKey = false;
  for (;;) {
    const p = await queue.next();
    const head = p.payload[0];
    if (head === OK_HEADER) return parseOk(p.payload, caps).statusFlags;
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
    } else if (data[0] === CACHING_SHA2_PERFORM_FULL_AUTH && secure) {
      // TLS already protects the password: it goes as is, NUL-terminated, as MySQL's clients send it.
      write(framePayload(Buffer.concat([Buffer.from(creds.password, 'utf8'), NUL]), p.seq + 1));
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
