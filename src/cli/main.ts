#!/usr/bin/env node
/** The `sluice` command: dispatch to one file per subcommand. */
import { readFileSync } from 'node:fs';
import { USAGE, USAGE_EXIT } from './usage.js';

/** package.json sits two levels up from both src/cli and dist/cli. */
function version(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return pkg !== null && typeof pkg === 'object' && 'version' in pkg ? String(pkg.version) : 'unknown';
}

async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...args] = argv;
  switch (command) {
    // Imported on demand: check-config and --help need not load the whole proxy.
    case 'start':
      return (await import('./start.js')).runStart(args);
    case 'check-config':
      return (await import('./check-config.js')).runCheckConfig(args);
    case 'audit':
      return (await import('./audit.js')).runAudit(args);
    case 'token':
      return (await import('./token.js')).runToken(args);
    case 'secrets':
      return (await import('./secrets.js')).runSecrets(args);
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case '--version':
    case '-v':
      process.stdout.write(`sluice ${version()}\n`);
      return 0;
    default:
      process.stderr.write(`${command === undefined ? '' : `sluice: unknown command "${command}"\n\n`}${USAGE}`);
      return USAGE_EXIT;
  }
}

const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
