/**
 * Session parameters in transaction pooling. Each client keeps the values it believes in
 * (what it sent at startup, then every ParameterStatus it was shown); each server keeps what
 * it reported or what Sluice set on it. Before a client's transaction runs on a server, the
 * differences are sent as one SET query whose responses the client never sees.
 */

/** Reported by the server but not settable by a session: never synced. */
const NOT_SYNCED = new Set([
  'server_version', 'server_encoding', 'is_superuser', 'session_authorization', 'integer_datetimes',
  'in_hot_standby', 'scram_iterations',
]);

/** Startup parameters that are not session settings. */
export const NOT_SESSION_SETTINGS = new Set(['user', 'database', 'options', 'replication']);

export type Parameters = Map<string, string>;

/** Settings where the client's value differs from the server's, as [name, value] pairs. */
export function parameterDiff(client: Parameters, server: Parameters): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of client) {
    if (NOT_SYNCED.has(name)) continue;
    if (server.get(name) !== value) out.push([name, value]);
  }
  return out;
}

const SIMPLE_NAME = /^[A-Za-z_][A-Za-z0-9_.$]*$/;

function literal(value: string): string {
  // E'' works whatever standard_conforming_strings is on the server.
  return value.includes('\\')
    ? `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
    : `'${value.replace(/'/g, "''")}'`;
}

/**
 * One simple-query text that sets every pair; names that are not plain identifiers are skipped.
 * set_config reads the value as a startup packet's `-c name=value` does, which SET does not
 * for list settings: SET search_path TO 'a,b' names one schema "a,b".
 */
export function setQuery(pairs: readonly [string, string][]): string {
  let calls = '';
  for (const [name, value] of pairs) {
    if (!SIMPLE_NAME.test(name)) continue;
    calls += `${calls === '' ? '' : ', '}pg_catalog.set_config('${name}', ${literal(value)}, false)`;
  }
  return calls === '' ? '' : `SELECT ${calls}`;
}

export function isSynced(name: string): boolean { return !NOT_SYNCED.has(name); }

/**
 * One object per distinct set of settings, so that "is this server already set up for this
 * client?" is a pointer comparison on the forwarding path instead of a diff of every setting.
 * Clients with the same settings (the usual case: one application, many connections) share it.
 */
const tokens = new Map<string, object>();
const TOKEN_LIMIT = 10_000;

export function settingsToken(params: Parameters): object {
  const key = [...params].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, v]) => `${k}\0${v}`).join('\0');
  let token = tokens.get(key);
  if (token === undefined) {
    // Forgetting tokens only costs a diff for the clients that held them.
    if (tokens.size >= TOKEN_LIMIT) tokens.clear();
    token = {};
    tokens.set(key, token);
  }
  return token;
}
