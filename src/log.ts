/**
 * The process logger: JSON lines by default (for collectors), pino-pretty for people.
 * Secrets are masked by pino's redaction wherever they appear in a log object.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogConfig, SluiceConfig } from './config/types.js';
import { describeCatalog } from './discovery/catalog/location.js';
import { redactDiscoveryOnlySource } from './discovery/source-config.js';

export const REDACTED = '[redacted]';

const SECRET_KEYS = ['password', 'server_password', 'secret', 'token', 'authorization'];

/**
 * Redaction paths are fixed-depth, so each secret key is listed at the depths log objects
 * carry it: top level, one level down (`{ user: { password } }`), in a logged request's
 * headers, and inside a whole configuration logged as `config` or as its `sources`.
 */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
  '*.headers.authorization',
  ...['password', 'server_password'].flatMap((key) => [
    `users[*].${key}`, `*.users[*].${key}`, `sources.*.users[*].${key}`, `config.sources.*.users[*].${key}`,
  ]),
  // A Redis source's own credentials towards its servers.
  'sources.*.server.password', 'config.sources.*.server.password',
  'sources.*.sentinel.password', 'config.sources.*.sentinel.password',
];

export interface LoggerOptions {
  level: LogConfig['level'];
  /** Human-readable lines instead of JSON. */
  pretty?: boolean;
  /** Where lines go; standard output when omitted. Tests pass a stream. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const settings = { level: options.level, redact: { paths: [...REDACT_PATHS], censor: REDACTED } };
  if (options.pretty) {
    // Synchronous so that pretty lines interleave in order with anything else on the terminal.
    return pino(settings, pretty({ sync: true, destination: options.destination ?? 1, colorize: !options.destination && process.stdout.isTTY }));
  }
  return pino(settings, options.destination ?? pino.destination({ dest: 1, sync: true }));
}

/**
 * A deep copy with every user's password masked, for the admin API and SHOW CONFIG. Token
 * hashes are masked too: useless to an attacker, but an auditor should not have to reason so.
 */
export function redactConfig(config: SluiceConfig): SluiceConfig {
  const copy = structuredClone(config);
  for (const token of copy.admin?.tokens ?? []) token.hash = REDACTED;
  if (copy.discovery) copy.discovery.catalog = describeCatalog(copy.discovery.catalog);
  for (const source of Object.values(copy.sources)) {
    if (source.kind === 'redis') {
      for (const user of source.users) user.password = REDACTED;
      if (source.server) source.server.password = REDACTED;
      if (source.sentinel?.password !== undefined) source.sentinel.password = REDACTED;
      continue;
    }
    if (source.kind === 's3' || source.kind === 'mongodb' || source.kind === 'snowflake') {
      redactDiscoveryOnlySource(source, REDACTED);
      continue;
    }
    for (const user of source.users) {
      user.password = REDACTED;
      if (user.server_password !== undefined) user.server_password = REDACTED;
    }
  }
  return copy;
}
