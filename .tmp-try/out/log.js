/**
 * The process logger: JSON lines by default (for collectors), pino-pretty for people.
 * Secrets are masked by pino's redaction wherever they appear in a log object.
 */
import { pino } from 'pino';
import pretty from 'pino-pretty';
export const REDACTED = '[redacted]';
const SECRET_KEYS = ['password', 'server_password', 'secret', 'token', 'authorization'];
/**
 * Redaction paths are fixed-depth, so each secret key is listed at the depths log objects
 * carry it: top level, one level down (`{ user: { password } }`), in a logged request's
 * headers, and inside a whole configuration logged as `config` or as its `sources`.
 */
export const REDACT_PATHS = [
    ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
    'headers.authorization', '*.headers.authorization',
    ...['password', 'server_password'].flatMap((key) => [
        `users[*].${key}`, `*.users[*].${key}`, `sources.*.users[*].${key}`, `config.sources.*.users[*].${key}`,
    ]),
];
export function createLogger(options) {
    const settings = { level: options.level, redact: { paths: [...REDACT_PATHS], censor: REDACTED } };
    if (options.pretty) {
        // Synchronous so that pretty lines interleave in order with anything else on the terminal.
        return pino(settings, pretty({ sync: true, destination: options.destination ?? 1, colorize: !options.destination && process.stdout.isTTY }));
    }
    return pino(settings, options.destination ?? pino.destination({ dest: 1, sync: true }));
}
/** A deep copy with every user's password masked, for the admin API and SHOW CONFIG. */
export function redactConfig(config) {
    const copy = structuredClone(config);
    for (const source of Object.values(copy.sources)) {
        for (const user of source.users) {
            user.password = REDACTED;
            if (user.server_password !== undefined)
                user.server_password = REDACTED;
        }
    }
    return copy;
}
//# sourceMappingURL=log.js.map