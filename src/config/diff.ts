/**
 * What a reload changes, as lines an operator can read in the log:
 * `sources.bench.pool.size: 20 → 50`, `sources.reports: added`. Secrets show only "changed".
 */
import type { SluiceConfig } from './types.js';
import { formatPath, showValue, type KeyPath } from './issue-text.js';

export function diffConfig(before: SluiceConfig, after: SluiceConfig): string[] {
  const changes: string[] = [];
  walk(before, after, [], changes);
  return changes;
}

function walk(before: unknown, after: unknown, path: KeyPath, changes: string[]): void {
  if (Object.is(before, after)) return;
  const where = formatPath(path);
  if (before === undefined) return void changes.push(`${where}: added`);
  if (after === undefined) return void changes.push(`${where}: removed`);
  if (isContainer(before) && isContainer(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) {
      const segment = Array.isArray(before) ? Number(key) : key;
      walk(field(before, key), field(after, key), [...path, segment], changes);
    }
    return;
  }
  const shownBefore = showValue(before, path);
  changes.push(shownBefore === '[redacted]' ? `${where}: changed` : `${where}: ${shownBefore} → ${showValue(after, path)}`);
}

function isContainer(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

function field(container: object, key: string): unknown {
  return (container as Record<string, unknown>)[key];
}
