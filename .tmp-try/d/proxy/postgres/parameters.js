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
/** Settings where the client's value differs from the server's, as [name, value] pairs. */
export function parameterDiff(client, server) {
    const out = [];
    for (const [name, value] of client) {
        if (NOT_SYNCED.has(name))
            continue;
        if (server.get(name) !== value)
            out.push([name, value]);
    }
    return out;
}
const SIMPLE_NAME = /^[A-Za-z_][A-Za-z0-9_.$]*$/;
function literal(value) {
    // E'' works whatever standard_conforming_strings is on the server.
    return value.includes('\\')
        ? `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
        : `'${value.replace(/'/g, "''")}'`;
}
/** One simple-query text that sets every pair; names that are not plain identifiers are skipped. */
export function setQuery(pairs) {
    let sql = '';
    for (const [name, value] of pairs) {
        if (!SIMPLE_NAME.test(name))
            continue;
        sql += `SET ${name} TO ${literal(value)};`;
    }
    return sql;
}
export function isSynced(name) { return !NOT_SYNCED.has(name); }
//# sourceMappingURL=parameters.js.map