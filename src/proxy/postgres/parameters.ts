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
