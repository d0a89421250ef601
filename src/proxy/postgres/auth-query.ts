/**
 * Runs a source's auth_query (PgBouncer's) as its auth_user: one kept connection to the
 * primary (any serving host while there is none), one lookup at a time over it, the user name
 * bound as a parameter, never spliced into the SQL. Lookups are rare (VerifierCache keeps
 * their answers), so the connection closes after server_idle_timeout without one.
 */
import type { Logger } from 'pino';
import type { PostgresSourceConfig, UserConfig } from '../../config/types.js';
import { AuthQueryError } from '../../errors.js';
import type { HostRoster } from '../../router/host-roster.js';
import type { HostSet, RoutedHost } from '../../router/host-set.js';
import { retryWithPreviousValue } from '../../auth/secrets/previous-credential.js';
import { runOwnQueryWithParams } from './own-query.js';
import { serverTlsFor } from './server-tls.js';
import { PgServerConnection } from './server-connection.js';

/** How operators tell the lookup connection from the pools' in pg_stat_activity. */
export const AUTH_QUERY_APPLICATION_NAME = 'sluice-auth-query';
/** A verifier row is small; a larger answer is a wrong query, not a user. */
const MAX_MESSAGE_SIZE = 1024 * 1024;

/** What the lookup needs of its source (PgSource): configuration and where the primary is. */
export interface AuthQueryTarget {
  readonly config: PostgresSourceConfig;
  readonly routed: boolean;
  readonly hosts: HostSet;
  readonly roster: HostRoster;
}

export class PgAuthQuery {
  private conn: PgServerConnection | null = null;
  /** The lookup in progress, if any; the next one starts after it. */
  private tail: Promise<unknown> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** A lookup is running on `conn`: closing it now would leave that lookup to its timeout. */
  private busy = false;
  /** Close `conn` once the running lookup ends. */
  private stale = false;

  constructor(private readonly target: AuthQueryTarget, private readonly log: Logger) {}

  /**
   * The stored verifier (second column of the first row) of `userName`; null when there is no
   * row or the password is NULL (PostgreSQL refuses such a role a password login too).
   * Rejects with AuthQueryError.
   */
  lookup(userName: string): Promise<string | null> {
    const run = this.tail.then(() => this.run(userName));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** auth_user's login changed: the connection goes, after the lookup running on it if any. */
  reset(): void {
    if (this.busy) this.stale = true;
    else this.drop('auth_query settings changed');
  }

  close(): void {
    this.closed = true;
    this.drop('source closed');
  }

  private async run(userName: string): Promise<string | null> {
    const cfg = this.target.config;
    const authUser = cfg.users.find((u) => u.name === cfg.auth_user);
    if (this.closed || authUser === undefined || cfg.auth_query === undefined) throw new AuthQueryError(`auth_query is not configured for source "${cfg.name}"`);
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    const rows: (string | null)[][] = [];
    this.busy = true;
    try {
      const conn = await this.connection(cfg, authUser);
      await runOwnQueryWithParams(conn, cfg.auth_query, [userName], cfg.pool.server_connect_timeout, (values) => rows.push(values));
    } catch (err) {
      this.drop('auth_query failed');
      if (err instanceof AuthQueryError) throw err;
      throw new AuthQueryError(`auth_query of source "${cfg.name}" failed (run as "${authUser.name}"): ${(err as Error).message}`, { cause: err });
    } finally {
      this.busy = false;
    }
    if (this.stale) this.drop('auth_query settings changed');
    else {
      this.idleTimer = setTimeout(() => this.drop('auth_query connection idle'), cfg.pool.server_idle_timeout);
      this.idleTimer.unref();
    }
    return rows[0]?.[1] ?? null;
  }

  private async connection(cfg: PostgresSourceConfig, user: UserConfig): Promise<PgServerConnection> {
    if (this.conn !== null && !this.conn.closed) return this.conn;
    const host = this.host();
    const password = user.server_password ?? user.password;
    const open = (secret: string) => PgServerConnection.connect({
      host,
      applicationName: AUTH_QUERY_APPLICATION_NAME,
      creds: { user: user.server_user ?? user.name, password: secret, database: cfg.database },
      timeoutMs: cfg.pool.server_connect_timeout,
      maxPreparedStatements: 0,
      maxMessageSize: MAX_MESSAGE_SIZE,
      log: this.log,
      tls: serverTlsFor(cfg.server_tls, cfg.name),
    });
    let conn: PgServerConnection;
    try {
      conn = await open(password).catch((err: unknown) => retryWithPreviousValue(err, password, open));
    } catch (err) {
      throw new AuthQueryError(`auth_user "${user.name}" of source "${cfg.name}" cannot log in to ${host.key}: ${(err as Error).message}`, { cause: err });
    }
    if (this.closed) {
      conn.close('source closed');
      throw new AuthQueryError(`source "${cfg.name}" closed during auth_query`);
    }
    this.conn = conn;
    return conn;
  }

  private host(): RoutedHost {
    const t = this.target;
    if (!t.routed) return t.hosts.hosts[0]!;
    // As a login's pool does: the primary, else any serving host (a replica answers pg_shadow too).
    let choice = t.roster.choose('write');
    if (!choice.ok) choice = t.roster.choose('any');
    if (!choice.ok) throw new AuthQueryError(`no host of source "${t.config.name}" can serve auth_query now (${choice.reason})`);
    return choice.host;
  }

  private drop(reason: string): void {
    this.stale = false;
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const conn = this.conn;
    this.conn = null;
    if (conn !== null && !conn.closed) conn.close(reason);
  }
}
