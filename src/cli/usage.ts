/** The command line's help text and its argument parsing, shared by every command. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ConfigError } from '../errors.js';

export const USAGE = `Usage:
  sluice start --config FILE [--pretty] [--log-level LEVEL]
      Run the gateway. SIGTERM/SIGINT drain and stop (a second SIGINT stops at once);
      SIGHUP reloads FILE and keeps the running configuration if the new one is invalid.
  sluice check-config FILE
      Validate FILE and exit 0 if it is usable, 1 with one line per issue if not.
  sluice audit verify FILE... | --all FILE [--anchor SEQ:HASH]...
      Check an audit log's hash chain, files oldest first (audit.jsonl.2 audit.jsonl.1
      audit.jsonl; --all FILE finds FILE's rotated siblings). Exit 0 with the head SEQ:HASH
      to note elsewhere, 1 naming the first edited, removed, reordered or duplicated line.
  sluice token create --role viewer|operator|admin [--name NAME] [--json]
      Print a new admin API bearer token and the admin.tokens line (its hash) to add to FILE.
  sluice secrets init|set NAME|get NAME|list|rm NAME|rotate-key [--finish] [--store FILE] [--key-file FILE]
      The local credential store for \${secret:NAME}: set reads the value from stdin, get prints
      it. Store: --store, else $SLUICE_SECRETS_FILE, else ./sluice-secrets.json. Master key:
      --key-file, else $SLUICE_MASTER_KEY (the key itself), else $SLUICE_MASTER_KEY_FILE, else
      ./sluice-master.key (mode 0600). rotate-key adds a new key and re-encrypts; the old key
      still decrypts until rotate-key --finish.
  sluice --help | --version

LEVEL is one of trace, debug, info, warn, error, fatal (default: log.level from FILE).
`;

/** Exit status for a command line that could not be understood (as in GNU tools). */
export const USAGE_EXIT = 2;

export function usageError(message: string): number {
  process.stderr.write(`sluice: ${message}\n\n${USAGE}`);
  return USAGE_EXIT;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs, but a malformed command line yields a usage message instead of a stack trace. */
export function parseCommand<const T extends Options>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    if (err instanceof TypeError) return usageError(err.message);
    throw err;
  }
}

/** One line per issue, prefixed with the file, as compilers do, so editors can jump to it. */
export function reportConfigError(file: string, err: ConfigError): void {
  const lines = err.issues.length > 0 ? err.issues : [err.message];
  process.stderr.write(lines.map((line) => `${file}: ${line}\n`).join(''));
}
