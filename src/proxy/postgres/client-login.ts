/**
 * A client's way in: the startup packet (client-startup.ts), the source and user it names (a
 * listed user, or one auth_query finds), authentication, and the first ParameterStatus set,
 * BackendKeyData and ReadyForQuery. Bounded by client_login_timeout.
 */
import type { ClientAuthMethod, UserConfig } from '../../config/types.js';
import { ProtocolError, SluiceError } from '../../errors.js';
import type { Pool } from '../../pool/pool.js';
import { backendKeyData, errorResponse, READY_IDLE } from '../../wire/postgres/backend-messages.js';
import { type FrameHandler, MessageFramer } from '../../wire/postgres/framer.js';
import { SQLSTATE } from '../../wire/postgres/sqlstate.js';
import { MAX_STARTUP_PACKET } from '../../wire/postgres/startup.js';
import { type AuthStep, ClientAuthenticator, type VerifierSource } from './client-auth.js';
import type { PgClientSession } from './client-session.js';
import type { PgProxyContext } from './context.js';
import type { PgSource } from './pg-source.js';
import type { PgServerConnection } from './server-connection.js';
import { CONSOLE_DATABASES, type ConsoleRole, consoleAccess } from './console/access.js';
import { ConsoleSession } from './console/console-session.js';
import { ClientStartup } from './client-startup.js';
import type { LoginCheck } from './dynamic-users.js';
import { loginParams, startupSettings } from './login-params.js';
import { LoginRefused, sourceFor, startupUser } from './login-checks.js';
import { LoginTrail } from './login-trail.js';

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

export class ClientLogin implements FrameHandler {
  private readonly session: PgClientSession;
  private readonly ctx: PgProxyContext;
  private readonly startup: ClientStartup;
  private framer: MessageFramer | null = null;
  private auth: ClientAuthenticator | null = null;
  private source: PgSource | null = null;
  private user: UserConfig | null = null;
  private settings = new Map<string, string>();
  private readonly trail: LoginTrail;
  /** Bytes received after authentication while the server parameters were still being fetched. */
  private early: Buffer[] = [];
  private authenticated = false;
  private aborted = false;
  /** Set for a login to the console (database pgbouncer or sluice); the session is then ConsoleSession's. */
  private consoleRole: ConsoleRole | null = null;
  private console: ConsoleSession | null = null;
  private readonly timer: NodeJS.Timeout;
  /** A failed login waits out its brute-force delay; what the client sends meanwhile is ignored. */
  private refusing = false;
  /** While auth_query looks the user up: what the client sent meanwhile, read once the exchange starts. */
  private held: Buffer[] | null = null;
  /** Why this login can only fail (auth_query found no such user); logged instead of the mock's reason. */
  private doomed: string | null = null;

  constructor(session: PgClientSession, ctx: PgProxyContext) {
    this.session = session;
    this.ctx = ctx;
    this.trail = new LoginTrail(ctx, session);
    this.startup = new ClientStartup(session, ctx, (params, rest) => {
      this.begin(params);
      if (rest.length > 0) this.onData(rest);
    });
    this.timer = setTimeout(() => this.refuse(SQLSTATE.ProtocolViolation, `client did not complete login within ${ctx.listener.client_login_timeout} ms (client_login_timeout)`), ctx.listener.client_login_timeout);
    this.timer.unref();
  }

  abort(): void {
    this.aborted = true;
    this.console?.close();
    clearTimeout(this.timer);
  }

  onData(chunk: Buffer): void {
    if (this.refusing) return;
    this.guarded(() => {
      if (this.console !== null) {
        this.console.onData(chunk);
      } else if (this.authenticated) {
        this.early.push(chunk);
      } else if (this.framer !== null) {
        this.framer.push(chunk);
        // Authentication ended inside this chunk: what follows is the session's, byte for byte.
        const rest = this.authenticated ? this.framer.takeLeftover() : null;
        if (rest !== null) this.early.push(rest);
      } else if (this.held !== null) {
        this.held.push(chunk);
      } else {
        this.startup.push(chunk);
      }
    });
  }

  /** Runs a login step; a refusal or malformed input it throws ends the login with the right error. */
  private guarded(work: () => void): void {
    try {
      work();
    } catch (err) {
      if (err instanceof LoginRefused && err.delayMs > 0) this.refuseLater(err);
      else if (err instanceof LoginRefused) this.refuse(err.sqlstate, err.message);
      else this.refuse(SQLSTATE.ProtocolViolation, err instanceof ProtocolError ? err.message : `invalid login message: ${(err as Error).message}`);
    }
  }

  private begin(params: Map<string, string>): void {
    this.trail.startupUser = params.get('user') || null;
    this.trail.startupDatabase = params.get('database') || this.trail.startupUser;
    const userName = startupUser(this.ctx, params, this.session.tls);
    const dbName = params.get('database') || userName;
    if (CONSOLE_DATABASES.has(dbName)) {
      this.beginConsole(userName);
      return;
    }
    const source = sourceFor(this.ctx, dbName);
    // auth any: every user name shares the first user's pool, as PgBouncer's auth_type=any.
    const user = source.config.users.find((u) => u.name === userName) ?? (source.config.auth === 'any' ? source.config.users[0] : undefined);
    if (user === undefined && !source.dynamicUsers.enabled) throw new LoginRefused(SQLSTATE.InvalidAuthorization, `role "${userName}" does not exist for source "${source.name}"`);
    this.settings = startupSettings(params);
    this.source = source;
    this.trail.guardSource = source.name;
    source.clients++;
    this.session.source = source;
    if (user === undefined) {
      this.lookUp(source, userName);
      return;
    }
    const method = source.config.auth === 'any' ? 'trust' : user.auth ?? source.config.auth;
    this.trail.guardUser = user.name;
    if (method !== 'trust') this.checkGuard();
    this.authenticate(user, method, source);
  }

  /**
   * A user the source does not list: auth_query says how to check it (dynamic-users.ts). A
   * locked-out name is refused before any lookup, so guessing costs the database nothing.
   */
  private lookUp(source: PgSource, userName: string): void {
    this.trail.guardUser = userName;
    this.checkGuard();
    const check = source.dynamicUsers.check(userName);
    if (!(check instanceof Promise)) {
      this.authenticateAs(check);
      return;
    }
    this.held = [];
    check.then(
      (found) => this.resume(() => this.authenticateAs(found)),
      (err: unknown) => this.resume(() => {
        const code = err instanceof SluiceError ? err.code : undefined;
        this.ctx.log.warn({ source: source.name, user: userName, code, err: (err as Error).message }, 'auth_query lookup failed; login refused');
        // The reason stays in the log: it names servers and roles, and is the same for any user name.
        throw new LoginRefused(SQLSTATE.ConnectionFailure, `cannot check the password of user "${userName}" now: auth_query failed (see Sluice's log)`);
      }),
    );
  }

  /** After the lookup: the login goes on, unless it ended meanwhile (timeout, disconnect). */
  private resume(work: () => void): void {
    if (this.aborted || this.refusing || this.session.socket.destroyed) return;
    const held = this.held ?? [];
    this.held = null;
    this.guarded(work);
    if (held.length > 0) this.onData(Buffer.concat(held));
  }

  private authenticateAs(check: LoginCheck): void {
    this.doomed = check.doomed ?? null;
    this.authenticate(check.user, check.method, check.verifiers);
  }

  private authenticate(user: UserConfig, method: ClientAuthMethod, verifiers: VerifierSource): void {
    this.user = user;
    this.auth = new ClientAuthenticator(method, user, verifiers);
    this.framer = new MessageFramer(this, MAX_STARTUP_PACKET);
    this.step(this.auth.begin());
  }

  /** Authenticate an admin or stats user for the console; no pool, no server. */
  private beginConsole(userName: string): void {
    const access = consoleAccess(this.ctx, userName);
    if (typeof access === 'string') throw new LoginRefused(SQLSTATE.InvalidAuthorization, access);
    this.source = access.source;
    this.consoleRole = access.role;
    this.trail.guardSource = 'console';
    this.trail.guardUser = access.user.name;
    if (access.method !== 'trust') this.checkGuard();
    this.authenticate(access.user, access.method, access.source);
  }

  private startConsole(role: ConsoleRole): void {
    if (this.aborted || this.session.socket.destroyed) return;
    clearTimeout(this.timer);
    this.console = new ConsoleSession(this.session, this.ctx, role, this.user!);
    const key = this.ctx.cancelKeys.issue();
    this.console.hello(key.pid, key.secret);
    this.ctx.log.info({ user: this.user!.name, role, client: this.session.socket.remoteAddress }, 'console login');
    this.trail.record('ok', 'console', this.user!.name, { role });
    if (this.early.length > 0) this.console.onData(Buffer.concat(this.early.splice(0)));
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
      this.ctx.log.info({ user: this.user!.name, source: this.source!.name, client: this.session.socket.remoteAddress, reason: this.doomed ?? step.reason }, 'client authentication failed');
      throw new LoginRefused(SQLSTATE.InvalidPassword, `password authentication failed for user "${this.user!.name}"`, this.trail.failed());
    } else {
      this.trail.succeeded();
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
    const { params, shown } = loginParams(source.serverParams, this.settings);
    const key = this.ctx.cancelKeys.issue();
    shown.push(backendKeyData(key.pid, key.secret), READY_IDLE);
    this.session.socket.write(Buffer.concat(shown));
    this.ctx.log.debug({ user: this.user!.name, source: source.name, client: this.session.socket.remoteAddress }, 'client logged in');
    this.trail.record('ok', `source:${source.name}`, this.user!.name);
    const rest = this.early.length === 0 ? null : Buffer.concat(this.early);
    this.session.onLoggedIn({ source, user: this.user!, pool, params, cancelPid: key.pid, cancelSecret: key.secret, rest });
  }

  /** Brute-force protection: (source, user) and address locks refuse before any password is checked. */
  private checkGuard(): void {
    const locked = this.trail.lockedOut();
    if (locked !== null) throw new LoginRefused(SQLSTATE.InvalidAuthorization, locked);
  }

  /** The failure is answered after the delay; the event loop keeps serving everyone else meanwhile. */
  private refuseLater(err: LoginRefused): void {
    this.refusing = true;
    setTimeout(() => this.refuse(err.sqlstate, err.message), err.delayMs).unref();
  }

  private refuse(sqlstate: string, message: string): void {
    clearTimeout(this.timer);
    if (this.session.socket.destroyed) return;
    // Counted where it happens: a wrong password, a login timeout or no server for a source.
    if (this.source !== null) this.source.loginFailures++;
    this.trail.record('failed', this.trail.target(this.source?.name ?? null), this.user?.name ?? null, { code: sqlstate, reason: message });
    this.session.socket.write(errorResponse({ severity: 'FATAL', code: sqlstate, message }));
    this.session.close();
  }
}

/** Why the pool's servers are missing, when a connect failed: the waiting client deserves the reason. */
export function lastConnectError(pool: Pool<PgServerConnection>, err?: SluiceError): string {
  const last = pool.lastConnectError;
  return last === null || last === err ? '' : `; last server connect error: ${last.message}`;
}
