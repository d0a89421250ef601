/**
 * Refusals a PostgreSQL login meets before authentication: what the startup packet alone
 * decides (no user, plain text where TLS is required, replication, shutdown) and whether the
 * database it names reaches a source that takes one more client. Each is a LoginRefused with
 * the SQLSTATE PostgreSQL would send.
 */
import { SluiceError } from '../../errors.js';
import { SQLSTATE } from '../../wire/postgres/sqlstate.js';
import type { PgProxyContext } from './context.js';
import type { PgSource } from './pg-source.js';

export class LoginRefused extends SluiceError {
  readonly sqlstate: string;
  /** Answer this late (brute-force delay); 0: at once. */
  readonly delayMs: number;
  constructor(sqlstate: string, message: string, delayMs = 0) {
    super('SLUICE_LOGIN_REFUSED', message);
    this.sqlstate = sqlstate;
    this.delayMs = delayMs;
  }
}

/** The user name the startup packet gives, when nothing in the packet itself refuses the login. */
export function startupUser(ctx: PgProxyContext, params: Map<string, string>, tls: boolean): string {
  const userName = params.get('user');
  if (!userName) throw new LoginRefused(SQLSTATE.InvalidAuthorization, 'no PostgreSQL user name specified in startup packet');
  if (ctx.clientTls?.mode === 'require' && !tls) {
    throw new LoginRefused(SQLSTATE.InvalidAuthorization, 'this Sluice listener requires TLS (client_tls.mode require); connect with sslmode=require or stronger');
  }
  if (params.has('replication') && params.get('replication') !== 'false') {
    throw new LoginRefused(SQLSTATE.FeatureNotSupported, 'replication connections are not supported through Sluice; connect to the server directly');
  }
  if (ctx.shuttingDown) throw new LoginRefused(SQLSTATE.CannotConnectNow, 'Sluice is shutting down');
  return userName;
}

/** The source serving `dbName` (or the `fallback` one), when it is enabled and below max_client_conn. */
export function sourceFor(ctx: PgProxyContext, dbName: string): PgSource {
  const source = ctx.sources.get(dbName) ?? fallbackSource(ctx);
  if (source === undefined) throw new LoginRefused(SQLSTATE.UnknownDatabase, `database "${dbName}" does not exist (no source of that name in Sluice's configuration)`);
  if (source.hosts.hosts.every((h) => h.disabled)) throw new LoginRefused(SQLSTATE.CannotConnectNow, `database "${dbName}" is disabled (console DISABLE)`);
  if (source.clients >= source.config.pool.max_client_conn) {
    throw new LoginRefused(SQLSTATE.TooManyConnections, `too many clients for source "${dbName}" (max_client_conn ${source.config.pool.max_client_conn})`);
  }
  return source;
}

/** The source marked `fallback`, which serves database names no source has. */
function fallbackSource(ctx: PgProxyContext): PgSource | undefined {
  for (const s of ctx.sources.values()) if (s.config.fallback) return s;
  return undefined;
}
