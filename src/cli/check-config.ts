/** `sluice check-config FILE`: validate without starting anything (CI, pre-reload checks). */
import { ConfigError } from '../errors.js';
import { loadConfig } from '../config/load.js';
import { formatListenAddress } from '../config/listen-address.js';
import type { SluiceConfig } from '../config/types.js';
import { parseCommand, reportConfigError, usageError } from './usage.js';

export async function runCheckConfig(args: string[]): Promise<number> {
  const parsed = parseCommand(args, {}, true);
  if (typeof parsed === 'number') return parsed;
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) return usageError('check-config takes exactly one FILE');
  try {
    const config = await loadConfig(file);
    process.stdout.write(`${file}: ok (${summarize(config)})\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    reportConfigError(file, err);
    return 1;
  }
}

/** "2 sources, listeners: postgres 127.0.0.1:6432, redis cache 127.0.0.1:6380, admin 127.0.0.1:9930" */
export function summarize(config: SluiceConfig): string {
  const count = Object.keys(config.sources).length;
  const listeners = Object.entries(config.listeners).map(([protocol, listener]) => `${protocol} ${formatListenAddress(listener.listen)}`);
  // A Redis source listens on its own address: RESP names no database to route by.
  for (const source of Object.values(config.sources)) {
    if (source.kind === 'redis') listeners.push(`redis ${source.name} ${formatListenAddress(source.listen)}`);
  }
  if (config.admin) listeners.push(`admin ${formatListenAddress(config.admin.listen)}`);
  return `${count} source${count === 1 ? '' : 's'}, listeners: ${listeners.join(', ') || 'none'}`;
}
