/**
 * A client logging in to Sluice: the greeting (V10, Sluice's scramble and capabilities), the
 * HandshakeResponse41, an auth switch when the client answered with another plugin than the
 * user's, then the password check. mysql_native_password is checked against SHA1(SHA1(pw));
 * caching_sha2_password takes the fast path for users that passed the full one since start,
 * else the full path: the password in clear over TLS, or RSA-encrypted under Sluice's public
 * key (sent on request) in plain text. With client_tls the greeting offers CLIENT_SSL; the
 * session upgrades the socket on the client's SSLRequest (client-session.ts) and the real
 * HandshakeResponse follows over TLS. The login guard and the audit trail see every outcome.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { MysqlProtocolError } from '../../errors.js';
import type { MysqlUserConfig } from '../../config/types.js';
import {
  CACHING_SHA2_FAST_AUTH_SUCCESS, CACHING_SHA2_PERFORM_FULL_AUTH, CACHING_SHA2_PLUGIN, CACHING_SHA2_REQUEST_PUBLIC_KEY,
  CLIENT_PLUGIN_AUTH, CLIENT_SSL, ER_HANDSHAKE_ERROR, type HandshakeResponse41, NATIVE_PASSWORD_PLUGIN, SCRAMBLE_LENGTH, buildAuthMoreData,
  buildAuthSwitchRequest, buildErr, buildHandshakeV10, cachingSha2DecryptPassword, cachingSha2Hash, isSslRequest, nativePasswordHash,
  parseChangeUser, parseHandshakeResponse, verifyCachingSha2, verifyNativePassword,
} from '../../wire/mysql/index.js';
import type { MysqlProxyContext, MysqlRoute } from './context.js';
import { ER_ACCESS_DENIED_ERROR, ER_NOT_SUPPORTED_AUTH_MODE, ER_SECURE_TRANSPORT_REQUIRED, LoginRefused } from './errors.js';
import { GREETING_CAPABILITIES, GREETING_MARIADB_CAPABILITIES } from './greeting.js';
import { MysqlLoginTrail } from './login-trail.js';
import type { Packet, PacketQueue } from './packet-queue.js';
import type { ClientProfile } from './server-login.js';

/** The client's connection as the login sees it; the session swaps the socket under it at an SSLRequest. */
export interface LoginLink {
  write(packet: Buffer): void;
  /** Send a last packet, then close. */
  refuse(packet: Buffer): void;
  /** True once the client's bytes travel over TLS. */
  secure(): boolean;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/**
 * The whole login of a new client, bounded by client_login_timeout: the negotiated profile
 * and route, or null when the client was refused (told with an ERR packet) and closed. A
 * wrong password is answered after the login guard's delay; the timeout is off by then.
 */
export async function loginClient(ctx: MysqlProxyContext, queue: PacketQueue, link: LoginLink, connectionId: number): Promise<(ClientLogin & { profile: ClientProfile }) | null> {
  const trail = new MysqlLoginTrail(ctx, link.remoteAddress, link.remotePort);
  let refused = false;
  const fail = (err: unknown): null => {
    if (refused) return null;
    refused = true;
    const e = err instanceof MysqlProtocolError ? err : new MysqlProtocolError(err instanceof Error ? err.message : String(err), 1043);
    link.refuse(loginErr(e, queue.lastSeq + 1));
    return null;
  };
  const timer = setTimeout(() => {
    fail(new MysqlProtocolError('Bad handshake: login timed out', ER_HANDSHAKE_ERROR, '08S01'));
    queue.fail(new MysqlProtocolError('login timed out'));
  }, ctx.listener.client_login_timeout);
  try {
    const r = await clientLogin(ctx, queue, link, connectionId, trail);
    clearTimeout(timer);
    trail.succeeded();
    const profile = {
      capabilities: r.response.capabilities & GREETING_CAPABILITIES,
      mariadbCapabilities: r.response.mariadbCapabilities & GREETING_MARIADB_CAPABILITIES,
      charset: r.response.charset,
    };
    return { ...r, profile };
  } catch (err) {
    clearTimeout(timer);
    if (refused) return null;
    if (err instanceof LoginRefused) await waitOut(trail.refused(err));
    return fail(err);
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

/** Sends the greeting, then follows the login to its end; throws LoginRefused (for an ERR) or MysqlProtocolError. */
export async function clientLogin(ctx: MysqlProxyContext, queue: PacketQueue, link: LoginLink, connectionId: number, trail: MysqlLoginTrail): Promise<ClientLogin> {
  const write = (b: Buffer): void => link.write(b);
  const scramble = newScramble();
  write(buildHandshakeV10({
    serverVersion: ctx.serverVersion(), connectionId, scramble,
    capabilities: ctx.clientTls === null ? GREETING_CAPABILITIES : (GREETING_CAPABILITIES | CLIENT_SSL) >>> 0,
    mariadbCapabilities: GREETING_MARIADB_CAPABILITIES, authPluginName: ctx.listener.auth,
  }));
  let first = await queue.next();
  if (isSslRequest(first.payload)) {
    // The session upgraded the socket when it saw the SSLRequest, if client_tls allows it.
    if (!link.secure()) throw new MysqlProtocolError('TLS is not offered by this listener (listeners.mysql.client_tls is disabled); connect without TLS or ask the operator to enable it', 1043, '08S01');
    first = await queue.next();
    if (isSslRequest(first.payload)) throw new MysqlProtocolError('Bad handshake: a second SSLRequest over TLS', ER_HANDSHAKE_ERROR, '08S01');
  }
  const response = parseHandshakeResponse(first.payload);
  const host = link.remoteAddress;
  if (ctx.clientTls?.mode === 'require' && !link.secure()) {
    throw new LoginRefused('Connections using insecure transport are prohibited: this Sluice listener requires TLS (client_tls.mode require); connect with TLS (mariadb --ssl, mysql --ssl-mode=REQUIRED, mysql2 `ssl` option)', ER_SECURE_TRANSPORT_REQUIRED, 'HY000');
  }
  const route = ctx.route(response.database, response.username);
  trail.user = response.username;
  trail.database = response.database;
  trail.source = route?.source.name ?? '';
  const locked = trail.lockedOut();
  if (locked !== null) throw locked;
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
  const nextSeq = await verifyPassword(ctx, queue, write, { route, plugin, token, salt, seq, denied, secure: link.secure() });
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
  /** Over TLS, caching_sha2_password's full path takes the password in clear. */
  secure: boolean;
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
  if (!c.secure && p.payload.length === 1 && p.payload[0] === CACHING_SHA2_REQUEST_PUBLIC_KEY) {
    write(buildAuthMoreData(Buffer.from(ctx.publicKeyPem), p.seq + 1));
    p = await queue.next();
  }
  const password = c.secure ? withoutNul(p.payload) : cachingSha2DecryptPassword(p.payload, c.salt, ctx.privateKey);
  if (password === null || !password.equals(Buffer.from(user.password))) throw c.denied();
  ctx.sha2Cache.add(cacheKey);
  return p.seq + 1;
}

const FAST_AUTH_SUCCESS = Buffer.from([CACHING_SHA2_FAST_AUTH_SUCCESS]);
const PERFORM_FULL_AUTH = Buffer.from([CACHING_SHA2_PERFORM_FULL_AUTH]);

/** The cleartext password over TLS travels NUL-terminated. */
function withoutNul(payload: Buffer): Buffer {
  return payload.length > 0 && payload[payload.length - 1] === 0 ? payload.subarray(0, -1) : payload;
}

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

/**
 * COM_CHANGE_USER: Sluice asks for the password again with a fresh scramble, through an auth
 * switch; the login guard and the audit trail count it as a login.
 */
export async function reauthenticate(ctx: MysqlProxyContext, queue: PacketQueue, link: LoginLink, payload: Buffer, capabilities: number): Promise<Reauthentication> {
  const req = parseChangeUser(payload, capabilities);
  const denied = (): LoginRefused => new LoginRefused(`Access denied for user '${req.username}'@'${link.remoteAddress}'`, ER_ACCESS_DENIED_ERROR, '28000');
  const route = ctx.route(req.database || null, req.username);
  const trail = new MysqlLoginTrail(ctx, link.remoteAddress, link.remotePort);
  trail.user = req.username;
  trail.database = req.database;
  trail.source = route?.source.name ?? '';
  try {
    const locked = trail.lockedOut();
    if (locked !== null) throw locked;
    if (route === null) throw denied();
    const plugin = route.user.auth ?? ctx.listener.auth;
    const salt = newScramble();
    const write = (b: Buffer): void => link.write(b);
    write(buildAuthSwitchRequest({ pluginName: plugin, pluginData: salt }, 1));
    const answer = await queue.next();
    const nextSeq = await verifyPassword(ctx, queue, write, { route, plugin, token: answer.payload, salt, seq: answer.seq + 1, denied, secure: link.secure() });
    trail.succeeded();
    return { route, charset: req.charset, nextSeq };
  } catch (err) {
    if (err instanceof LoginRefused) await waitOut(trail.refused(err));
    throw err;
  }
}

/** The login guard's delay before a refusal is answered; the event loop serves everyone else meanwhile. */
async function waitOut(delayMs: number): Promise<void> {
  if (delayMs > 0) await sleep(delayMs, undefined, { ref: false });
}

export function loginErr(err: MysqlProtocolError, seq: number): Buffer {
  return buildErr({ errno: err.errno, sqlState: err.sqlState, message: err.message }, seq);
}
