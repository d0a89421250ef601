/**
 * Who may use the console, as in PgBouncer: admin.admin_users may do everything,
 * admin.stats_users may SHOW. They log in with the password of the first source that
 * defines them, by that user's auth method or else SCRAM-SHA-256.
 */
import type { ClientAuthMethod, UserConfig } from '../../../config/types.js';
import type { PgProxyContext } from '../context.js';
import type { PgSource } from '../pg-source.js';

/** Database names that reach the console instead of a source. */
export const CONSOLE_DATABASES: ReadonlySet<string> = new Set(['pgbouncer', 'sluice']);

export type ConsoleRole = 'admin' | 'stats';

export interface ConsoleAccess {
  role: ConsoleRole;
  user: UserConfig;
  /** Where the user's password (and its SCRAM verifier cache) comes from. */
  source: PgSource;
  method: ClientAuthMethod;
}

/** The access of `userName`, or a reason it has none. */
export function consoleAccess(ctx: PgProxyContext, userName: string): ConsoleAccess | string {
  const admin = ctx.console?.config().admin;
  const role: ConsoleRole | null = admin?.admin_users.includes(userName) ? 'admin' : admin?.stats_users.includes(userName) ? 'stats' : null;
  if (role === null) return `user "${userName}" may not use the console: list it in admin.admin_users or admin.stats_users`;
  for (const source of ctx.sources.values()) {
    const user = source.user(userName);
    if (user !== undefined) return { role, user, source, method: user.auth ?? 'scram-sha-256' };
  }
  return `console user "${userName}" is defined by no source's users, so it has no password`;
}
