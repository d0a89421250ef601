/**
 * Rotated file names, as logrotate numbers them: PATH is live, PATH.1 the newest full file,
 * PATH.N the oldest kept. The writer shifts them; the verifier lists them oldest first.
 */
import { readdirSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function rotatedPath(path: string, n: number): string {
  return `${path}.${n}`;
}

/**
 * PATH → PATH.1, PATH.1 → PATH.2 …, dropping what would become PATH.(maxFiles+1).
 * Oldest first, so a failure part-way leaves every file under some name and the next
 * attempt picks up where this one stopped.
 */
export function shiftRotated(path: string, maxFiles: number): void {
  // A PATH moved away by someone else is nothing to shift; the writer then starts a new one.
  if (maxFiles === 0) {
    ignoreMissing(() => unlinkSync(path));
    return;
  }
  ignoreMissing(() => unlinkSync(rotatedPath(path, maxFiles)));
  for (let n = maxFiles - 1; n >= 1; n--) ignoreMissing(() => renameSync(rotatedPath(path, n), rotatedPath(path, n + 1)));
  ignoreMissing(() => renameSync(path, rotatedPath(path, 1)));
}

function ignoreMissing(step: () => void): void {
  try {
    step();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** PATH's rotated siblings, oldest (highest number) first, then PATH itself. */
export function rotatedSiblings(path: string): string[] {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  const numbers = readdirSync(dir)
    .filter((name) => name.startsWith(prefix) && /^[1-9]\d*$/.test(name.slice(prefix.length)))
    .map((name) => Number(name.slice(prefix.length)))
    .sort((a, b) => b - a);
  return [...numbers.map((n) => join(dir, `${prefix}${n}`)), path];
}
