/**
 * A client logging in to Sluice: the greeting (V10, Sluice's scramble and capabilities), the
 * HandshakeResponse41, an auth switch when the client answered with another plugin than the
 * user's, then the password check. mysql_native_password is checked against SHA1(SHA1(pw));
 * caching_sha2_password takes the fast path for users that passed the full one since start,
 * else the full path: the password RSA-encrypted under Sluice's public key, sent on request.
 */
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { MysqlProtocolError } from '../../errors.js';
import type { MysqlUserConfig } from '../../config/types.js';
import {
  CACHING_SHA2_FAST_AUTH_SUCCESS, CACHING_SHA2_PERFORM_FULL_AUTH, CACHING_SHA2_PLUGIN, CACHING_SHA2_REQUEST_PUBLIC_KEY,
  CLIENT_PLUGIN_AUTH, ER_HANDSHAKE_ERROR, type HandshakeResponse41, NATIVE_PASSWORD_PLUGIN, SCRAMBLE_LENGTH, buildAuthMoreData,
  buildAuthSwitchRequest, buildErr, buildHandshakeV10, cachingSha2DecryptPassword, cachingSha2Hash, isSslRequest, nativePasswordHash,
  parseChangeUser, parseHandshakeResponse, verifyCachingSha2, verifyNativePassword,
} from '../../wire/mysql/index.js';
import type { MysqlProxyContext, MysqlRoute } from './context.js';
import { ER_ACCESS_DENIED_ERROR, ER_NOT_SUPPORTED_AUTH_MODE } from './errors.js';
import { GREETING_CAPABILITIES, GREETING_MARIADB_CAPABILITIES } from './greeting.js';
import type { Packet, PacketQueue } from './packet-queue.js';
import type { ClientProfile } from './server-login.js';

/**
 * The whole login of a new client, bounded by client_login_timeout: the negotiated profile
 * and route, or null when the client was refused (told with an ERR packet) and closed.
 */
export async function loginClient(ctx: MysqlProxyContext, queue: PacketQueue, socket: net.Socket, connectionId: number): Promise<(ClientLogin & { profile: ClientProfile }) | null> {
  let refused = false;
  const fail = (err: unknown): null => {
    if (refused) return null;
    refused = true;
    const e = err instanceof MysqlProtocolError ? err : new MysqlProtocolError(err instanceof Error ? err.message : String(err), 1043);
    if (!socket.destroyed) socket.end(loginErr(e, queue.lastSeq + 1));
    socket.destroySoon();
    return null;
  };
  const timer = setTimeout(() => {
    fail(new MysqlProtocolError('Bad handshake: login timed out', ER_HANDSHAKE_ERROR, '08S01'));
    queue.fail(new MysqlProtocolError('login timed out'));
  }, ctx.listener.client_login_timeout);
  try {
    const r = await clientLogin(ctx, queue, (b) => socket.write(b), connectionId, socket.remoteAddress ?? 'unknown');
    const profile = {
      capabilities: r.response.capabilities & GREETING_CAPABILITIES,
      mariadbCapabilities: r.response.mariadbCapabilities & GREETING_MARIADB_CAPABILITIES,
      charset: r.response.charset,
    };
    return { ...r, profile };
  } catch (err) {
    return fail(err);
  } finally {
    clearTimeout(timer);
  }
}

export interface ClientLogin {
  response: HandshakeResponse41;
  route: MysqlRoute;
  /** Sequence id for the packet that answers the login (OK or ERR). */
  nextSeq: number;
}

/** Printable bytes: the scramble travels NUL-terminated in the greeting. */
export function newScramble(): Buffer {
  const b = randomBytes(SCRAMBLE_LENGTH);
  for (let i = 0; i < b.length; i++) b[i] = 0x21 + (b[i]! % 0x5e);
  return b;
}

export class LoginRefused extends MysqlProtocolError {}

/** Sends the greeting, then follows the login to its end; throws LoginRefused (for an ERR) or MysqlProtocolError. */
export async function clientLogin(ctx: MysqlProxyContext, queue: PacketQueue, write: (b: Buffer) => void, connectionId: number, host: string): Promise<ClientLogin> {
  const scramble = newScramble();
  write(buildHandshakeV10({
    serverVersion: ctx.serverVersion(), connectionId, scramble,
    capabilities: GREETING_CAPABILITIES, mariadbCapabilities: GREETING_MARIADB_CAPABILITIES, authPluginName: ctx.listener.auth,
  }));
  const first = await queue.next();
  if (isSslRequest(first.payload)) throw new MysqlProtocolError('TLS is not offered by this listener', 1043);
  const response = parseHandshakeResponse(first.payload);
  const route = ctx.route(response.database, response.username);
  const denied = (): LoginRefused => new LoginRefused(`Access denied for user '${response.username}'@'${host}' (using password: ${response.authResponse.length > 0 ? 'YES' : 'NO'})`, ER_ACCESS_DENIED_ERROR, '28000');
  // An unknown user and a source that does not list the user read the same, as on a server.
  if (route === null) throw denied();
  const user = route.user;
  const plugin = user.auth ?? ctx.listener.auth;
  const offered = response.capabilities & CLIENT_PLUGIN_AUTH ? response.authPluginName ?? NATIVE_PASSWORD_PLUGIN : NATIVE_PASSWORD_PLUGIN;
  let seq = first.seq + 1;
  let token = response.authResponse;
  let salt = scramble;
  if (offered !== plugin) {
    if (!(response.capabilities & CLIENT_PLUGIN_AUTH)) throw new LoginRefused('client does not support authentication protocol requested by server', ER_NOT_SUPPORTED_AUTH_MODE, '08004');
    salt = newScramble();
    write(buildAuthSwitchRequest({ pluginName: plugin, pluginData: salt }, seq));
    const answer = await queue.next();
    token = answer.payload;
    seq = answer.seq + 1;
  }
  const nextSeq = await verifyPassword(ctx, queue, write, { route, plugin, token, salt, seq, denied });
  return { response, route, nextSeq };
}

export interface PasswordCheck {
  route: MysqlRoute;
  plugin: string;
  /** The client's answer to `salt` under `plugin`. */
  token: Buffer;
  salt: Buffer;
  /** Sequence id of Sluice's next packet. */
  seq: number;
  denied: () => LoginRefused;
}

/** Check the password (both plugins, caching_sha2_password's full path included); returns the next sequence id. */
export async function verifyPassword(ctx: MysqlProxyContext, queue: PacketQueue, write: (b: Buffer) => void, c: PasswordCheck): Promise<number> {
  const user = c.route.user;
  if (c.plugin === NATIVE_PASSWORD_PLUGIN) {
    if (!checkNative(user, c.token, c.salt)) throw c.denied();
    return c.seq;
  }
  if (c.plugin !== CACHING_SHA2_PLUGIN) throw new LoginRefused(`authentication plugin ${c.plugin} is not supported`, ER_NOT_SUPPORTED_AUTH_MODE, '08004');
  const cacheKey = `${c.route.source.name}/${user.name}`;
  if (user.password === '' ? c.token.length !== 0 : !verifyCachingSha2(c.token, c.salt, cachingSha2Hash(user.password))) throw c.denied();
  if (user.password === '' || ctx.sha2Cache.has(cacheKey)) {
    write(buildAuthMoreData(FAST_AUTH_SUCCESS, c.seq));
    return c.seq + 1;
  }
  write(buildAuthMoreData(PERFORM_FULL_AUTH, c.seq));
  let p: Packet = await queue.next();
  if (p.payload.length === 1 && p.payload[0] === CACHING_SHA2_REQUEST_PUBLIC_KEY) {
    write(buildAuthMoreData(Buffer.from(ctx.publicKeyPem), p.seq + 1));
    p = await queue.next();
  }
  const password = cachingSha2DecryptPassword(p.payload, c.salt, ctx.privateKey);
  if (password === null || !password.equals(Buffer.from(user.password))) throw c.denied();
  ctx.sha2Cache.add(cacheKey);
  return p.seq + 1;
}

const FAST_AUTH_SUCCESS = Buffer.from([CACHING_SHA2_FAST_AUTH_SUCCESS]);
const PERFORM_FULL_AUTH = Buffer.from([CACHING_SHA2_PERFORM_FULL_AUTH]);

function checkNative(user: MysqlUserConfig, token: Buffer, scramble: Buffer): boolean {
  if (user.password === '') return token.length === 0;
  return verifyNativePassword(token, scramble, nativePasswordHash(user.password));
}

export interface Reauthentication {
  route: MysqlRoute;
  /** 0 when the client kept its character set. */
  charset: number;
  nextSeq: number;
}

/** COM_CHANGE_USER: Sluice asks for the password again with a fresh scramble, through an auth switch. */
export async function reauthenticate(ctx: MysqlProxyContext, queue: PacketQueue, write: (b: Buffer) => void, payload: Buffer, capabilities: number, host: string): Promise<Reauthentication> {
  const req = parseChangeUser(payload, capabilities);
  const denied = (): LoginRefused => new LoginRefused(`Access denied for user '${req.username}'@'${host}'`, ER_ACCESS_DENIED_ERROR, '28000');
  const route = ctx.route(req.database || null, req.username);
  if (route === null) throw denied();
  const plugin = route.user.auth ?? ctx.listener.auth;
  const salt = newScramble();
  write(buildAuthSwitchRequest({ pluginName: plugin, pluginData: salt }, 1));
  const answer = await queue.next();
  const nextSeq = await verifyPassword(ctx, queue, write, { route, plugin, token: answer.payload, salt, seq: answer.seq + 1, denied });
  return { route, charset: req.charset, nextSeq };
}

export function loginErr(err: MysqlProtocolError, seq: number): Buffer {
  return buildErr({ errno: err.errno, sqlState: err.sqlState, message: err.message }, seq);
}
