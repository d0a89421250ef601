/** Listen addresses are written "host:port" ("[::1]:6432" for IPv6), as in PgBouncer's logs. */
import { isIPv6 } from 'node:net';
import { ConfigError } from '../errors.js';
import { showValue } from './issue-text.js';
export const LISTEN_FORM = 'an address host:port such as 127.0.0.1:6432 or [::1]:6432 (port 0 picks a free port)';
/** Shared with the schema (a JSON Schema pattern); IPv6 validity and the port range are checked here. */
export const LISTEN_PATTERN = '^(?:\\[([^\\]]+)\\]|([^:[\\]\\s]+)):(\\d{1,5})$';
const LISTEN_TEXT = new RegExp(LISTEN_PATTERN);
/** Parse "host:port"; throws ConfigError naming `path` otherwise. */
export function parseListenAddress(text, path = 'listen') {
    const match = LISTEN_TEXT.exec(text);
    const bracketed = match?.[1];
    const host = bracketed ?? match?.[2] ?? '';
    const port = Number(match?.[3]);
    if (!match || (bracketed !== undefined && !isIPv6(bracketed)) || !(port <= 65535)) {
        const hint = !match && isIPv6(text.replace(/:\d+$/, '')) ? '; put an IPv6 address in brackets' : '';
        throw new ConfigError(`invalid listen address at ${path}`, [`${path}: must be ${LISTEN_FORM} (got ${showValue(text)})${hint}`]);
    }
    return { host, port };
}
export function formatListenAddress(address) {
    return isIPv6(address.host) ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
//# sourceMappingURL=listen-address.js.map