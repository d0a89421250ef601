/**
 * A client's way in: the startup packet (with SSLRequest, GSSENCRequest and CancelRequest),
 * the source and user it names, authentication, and the first ParameterStatus set,
 * BackendKeyData and ReadyForQuery. Bounded by client_login_timeout.
 */
import type { UserConfig } from '../../config/types.js';
import { ProtocolError, SluiceError } from '../../errors.js';
import type { Pool } from '../../pool/pool.js';
import { backendKeyData, errorResponse, parameterStatus, READY_IDLE } from '../../wire/postgres/backend-messages.js';
import { B } from '../../wire/postgres/constants.js';
import { type FrameHandler, MessageFramer } from '../../wire/postgres/framer.js';
import { SQLSTATE } from '../../wire/postgres/sqlstate.js';
import { MAX_STARTUP_PACKET, parseOptionsParameter, parseStartupPacket, startupPacketLength } from '../../wire/postgres/startup.js';
import { type AuthStep, ClientAuthenticator } from './client-auth.js';
import type { PgClientSession } from './client-session.js';
import type { PgProxyContext } from './context.js';
import { NOT_SESSION_SETTINGS } from './parameters.js';
import type { PgSource } from './pg-source.js';
import type { PgServerConnection } from './server-connection.js';
import { CONSOLE_DATABASES, type ConsoleRole, consoleAccess } from './console/access.js';
import { ConsoleSession } from './console/console-session.js';

export interface LoginOutcome {
  source: PgSource;
  user: UserConfig;
  pool: Pool<PgServerConnection>;
  params: Map<string, string>;
  cancelPid: number;
  cancelSecret: number;
  /** Bytes the client sent after its login, to be read as queries. */
  rest: Buffer | null;
}

const NO_ENCRYPTION = Buffer.from('N');

class LoginRefused extends SluiceError {
  readonly sqlstate: string;
  constructor(sqlstate: string, message: string) {
    super('SLUICE_LOGIN_REFUSED', message);
    this.sqlstate = sqlstate;
  }
}

export class ClientLogin implements FrameHandler {
  private readonly session: PgClientSession;
  private readonly ctx: PgProxyContext;
  private startupBytes: Buffer = Buffer.alloc(0);
  private framer: MessageFramer | null = null;
  private auth: ClientAuthenticator | null = null;
  private source: PgSource | null = null;
  private user: UserConfig | null = null;
  private startupParams = new Map<string, string>();
  /** What the startup packet named, for the audit trail of a login refused before a source or user matched. */
  private startupUser: string | null = null;
  private startupDatabase: string | null = null;
  /** Bytes received after authentication while the server parameters were still being fetched. */
  private early: Buffer[] = [];
  private authenticated = false;
  private aborted = false;
  /** Set for a login to the console (database pgbouncer or sluice); the session is then ConsoleSession's. */
  private consoleRole: ConsoleRole | null = null;
  private console: ConsoleSession | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(session: PgClientSession, ctx: PgProxyContext) {
    this.session = session;
    this.ctx = ctx;
    this.timer = setTimeout(() => this.refuse(SQLSTATE.ProtocolViolation, `client did not complete login within ${ctx.listener.client_login_timeout} ms (client_login_timeout)`), ctx.listener.client_login_timeout);
    this.timer.unref();
  }

  abort(): void {
    this.aborted = true;
    this.console?.close();
    clearTimeout(this.timer);
  }

  onData(chunk: Buffer): void {
    try {
      if (this.console !== null) {
        this.console.onData(chunk);
      } else if (this.authenticated) {
        this.early.push(chunk);
      } else if (this.framer !== null) {
        this.framer.push(chunk);
        // Authentication ended inside this chunk: what follows is the session's, byte for byte.
        const rest = this.authenticated ? this.framer.takeLeftover() : null;
        if (rest !== null) this.early.push(rest);
      } else {
        this.onStartupBytes(chunk);
      }
    } catch (err) {
      if (err instanceof LoginRefused) this.refuse(err.sqlstate, err.message);
      else this.refuse(SQLSTATE.ProtocolViolation, err instanceof ProtocolError ? err.message : `invalid login message: ${(err as Error).message}`);
    }
  }

  private onStartupBytes(chunk: Buffer): void {
    this.startupBytes = this.startupBytes.length === 0 ? chunk : Buffer.concat([this.startupBytes, chunk]);
    while (this.framer === null) {
      const len = startupPacketLength(this.startupBytes);
      if (len < 0 || this.startupBytes.length < len) {
        if (this.startupBytes.length > MAX_STARTUP_PACKET) throw new ProtocolError('startup packet too long');
        return;
      }
      const packet = parseStartupPacket(this.startupBytes.subarray(0, len));
      const rest = this.startupBytes.subarray(len);
      this.startupBytes = Buffer.alloc(0);
      switch (packet.kind) {
        case 'ssl':
        case 'gssenc':
          // TLS arrives with the security work; until then clients fall back to plain text.
          this.session.socket.write(NO_ENCRYPTION);
          this.startupBytes = rest;
          continue;
        case 'cancel':
          this.ctx.cancelKeys.find(packet.pid, packet.secret)?.cancelRunningQuery();
          this.session.close();
          return;
        case 'startup':
          if (packet.minor > 0 || packet.protocolOptions.length > 0) this.session.socket.write(negotiateProtocolVersion(packet.protocolOptions));
          this.begin(packet.params);
          if (rest.length > 0) this.onData(rest);
          return;
      }
    }
  }

  private begin(params: Map<string, string>): void {
    const userName = params.get('user');
    this.startupUser = userName || null;
    this.startupDatabase = params.get('database') || userName || null;
    if (!userName) throw new LoginRefused(SQLSTATE.InvalidAuthorization, 'no PostgreSQL user name specified in startup packet');
    if (params.has('replication') && params.get('replication') !== 'false') {
      throw new LoginRefused(SQLSTATE.FeatureNotSupported, 'replication connections are not supported through Sluice; connect to the server directly');
    }
    if (this.ctx.shuttingDown) throw new LoginRefused(SQLSTATE.CannotConnectNow, 'Sluice is shutting down');
    const dbName = params.get('database') || userName;
    if (CONSOLE_DATABASES.has(dbName)) {
      this.beginConsole(userName);
      return;
    }
    const source = this.ctx.sources.get(dbName) ?? fallbackSource(this.ctx);
    if (source === undefined) throw new LoginRefused(SQLSTATE.UnknownDatabase, `database "${dbName}" does not exist (no source of that name in Sluice's configuration)`);
    // auth any: every user name shares the first user's pool, as PgBouncer's auth_type=any.
    const user = source.user(userName) ?? (source.config.auth === 'any' ? source.config.users[0] : undefined);
    if (user === undefined) throw new LoginRefused(SQLSTATE.InvalidAuthorization, `role "${userName}" does not exist for source "${source.name}"`);
    if (source.hosts.hosts.every((h) => h.disabled)) throw new LoginRefused(SQLSTATE.CannotConnectNow, `database "${dbName}" is disabled (console DISABLE)`);
    if (source.clients >= source.config.pool.max_client_conn) {
      throw new LoginRefused(SQLSTATE.TooManyConnections, `too many clients for source "${dbName}" (max_client_conn ${source.config.pool.max_client_conn})`);
    }
    this.collectSettings(params);
    this.source = source;
    this.user = user;
    source.clients++;
    this.session.source = source;
    const method = source.config.auth === 'any' ? 'trust' : user.auth ?? source.config.auth;
    this.auth = new ClientAuthenticator(method, user, source);
    this.framer = new MessageFramer(this, MAX_STARTUP_PACKET);
    this.step(this.auth.begin());
  }

  /** Authenticate an admin or stats user for the console; no pool, no server. */
  private beginConsole(userName: string): void {
    const access = consoleAccess(this.ctx, userName);
    if (typeof access === 'string') throw new LoginRefused(SQLSTATE.InvalidAuthorization, access);
    this.source = access.source;
    this.user = access.user;
    this.consoleRole = access.role;
    this.auth = new ClientAuthenticator(access.method, access.user, access.source);
    this.framer = new MessageFramer(this, MAX_STARTUP_PACKET);
    this.step(this.auth.begin());
  }

  private startConsole(role: ConsoleRole): void {
    if (this.aborted || this.session.socket.destroyed) return;
    clearTimeout(this.timer);
    this.console = new ConsoleSession(this.session, this.ctx, role, this.user!);
    const key = this.ctx.cancelKeys.issue();
    this.console.hello(key.pid, key.secret);
    this.ctx.log.info({ user: this.user!.name, role, client: this.session.socket.remoteAddress }, 'console login');
    this.recordLogin('ok', 'console', { role });
    if (this.early.length > 0) this.console.onData(Buffer.concat(this.early.splice(0)));
  }

  private collectSettings(params: Map<string, string>): void {
    for (const [k, v] of params) if (!NOT_SESSION_SETTINGS.has(k)) this.startupParams.set(k, v);
    const options = params.get('options');
    if (options) for (const [k, v] of parseOptionsParameter(options)) this.startupParams.set(k, v);
  }

  onMessage(type: number, buf: Buffer, start: number, end: number): void {
    this.step(this.auth!.onMessage(type, buf, start, end));
  }

  wantsStream(): boolean { return false; }
  onStreamData(): void {}

  private step(step: AuthStep): void {
    if (step.kind === 'send') {
      this.session.socket.write(step.msg);
    } else if (step.kind === 'fail') {
      this.ctx.log.info({ user: this.user!.name, source: this.source!.name, client: this.session.socket.remoteAddress, reason: step.reason }, 'client authentication failed');
      throw new LoginRefused(SQLSTATE.InvalidPassword, `password authentication failed for user "${this.user!.name}"`);
    } else {
      this.authenticated = true;
      this.framer!.halt();
      this.session.socket.write(step.msg);
      const role = this.consoleRole;
      // After the bytes that came with the last login message have been set aside.
      if (role !== null) process.nextTick(() => this.startConsole(role));
      else this.fetchServerParams();
    }
  }

  /** The first login to a source needs one server's parameters to show the client. */
  private fetchServerParams(): void {
    const source = this.source!;
    const pool = source.pool(this.user!);
    if (source.serverParams !== null) {
      // After the bytes that came with the last login message have been set aside.
      process.nextTick(() => this.finish(pool));
      return;
    }
    pool.acquire({
      onLease: (conn) => {
        pool.release(conn, conn.idle);
        this.finish(pool);
      },
      onLeaseError: (err) => this.refuse(SQLSTATE.ConnectionFailure, `no server available for source "${source.name}": ${err.message}${lastConnectError(pool, err)}`),
    });
  }

  private finish(pool: Pool<PgServerConnection>): void {
    if (this.aborted || this.session.socket.destroyed) return;
    clearTimeout(this.timer);
    const source = this.source!;
    const params = new Map(source.serverParams ?? []);
    const shown: Buffer[] = [];
    // GUC names are case-insensitive; keep the server's spelling (TimeZone, not timezone) so a
    // startup value and the client's later SETs land on one entry.
    const spelled = new Map<string, string>();
    for (const k of params.keys()) spelled.set(k.toLowerCase(), k);
    for (const [k, v] of this.startupParams) params.set(spelled.get(k.toLowerCase()) ?? k, v);
    for (const k of source.serverParams?.keys() ?? []) shown.push(parameterStatus(k, params.get(k)!));
    const key = this.ctx.cancelKeys.issue();
    shown.push(backendKeyData(key.pid, key.secret), READY_IDLE);
    this.session.socket.write(Buffer.concat(shown));
    this.ctx.log.debug({ user: this.user!.name, source: source.name, client: this.session.socket.remoteAddress }, 'client logged in');
    this.recordLogin('ok', `source:${source.name}`);
    const rest = this.early.length === 0 ? null : Buffer.concat(this.early);
    this.session.onLoggedIn({ source, user: this.user!, pool, params, cancelPid: key.pid, cancelSecret: key.secret, rest });
  }

  private loginTarget(): string {
    if (this.startupDatabase !== null && CONSOLE_DATABASES.has(this.startupDatabase)) return 'console';
    if (this.source !== null) return `source:${this.source.name}`;
    return this.startupDatabase === null ? 'unknown' : `database:${this.startupDatabase}`;
  }

  /** The audit trail's record of this login; the user is the one the client named, known or not. */
  private recordLogin(result: 'ok' | 'failed', target: string, detail?: Record<string, string>): void {
    const name = this.user?.name ?? this.startupUser;
    this.ctx.audit.record({
      actor: name === null ? 'anonymous' : `user:${name}`,
      action: 'client.login',
      target,
      result,
      source: `${this.session.remoteAddress}:${this.session.remotePort}`,
      ...(detail && { detail }),
    });
  }

  private refuse(sqlstate: string, message: string): void {
    clearTimeout(this.timer);
    if (this.session.socket.destroyed) return;
    // Counted where it happens: a wrong password, a login timeout or no server for a source.
    if (this.source !== null) this.source.loginFailures++;
    this.recordLogin('failed', this.loginTarget(), { code: sqlstate, reason: message });
    this.session.socket.write(errorResponse({ severity: 'FATAL', code: sqlstate, message }));
    this.session.close();
  }
}

/** The source marked `fallback`, which serves database names no source has. */
function fallbackSource(ctx: PgProxyContext): PgSource | undefined {
  for (const s of ctx.sources.values()) if (s.config.fallback) return s;
  return undefined;
}

function negotiateProtocolVersion(options: readonly string[]): Buffer {
  const names = options.map((o) => Buffer.from(o + '\0'));
  const body = 8 + names.reduce((n, b) => n + b.length, 0);
  const buf = Buffer.allocUnsafe(1 + 4 + body);
  buf[0] = B.NegotiateProtocolVersion;
  buf.writeInt32BE(4 + body, 1);
  buf.writeInt32BE(0, 5); // newest minor version supported: 3.0
  buf.writeInt32BE(options.length, 9);
  let o = 13;
  for (const n of names) o += n.copy(buf, o);
  return buf;
}

/** Why the pool's servers are missing, when a connect failed: the waiting client deserves the reason. */
export function lastConnectError(pool: Pool<PgServerConnection>, err?: SluiceError): string {
  const last = pool.lastConnectError;
  return last === null || last === err ? '' : `; last server connect error: ${last.message}`;
}
