/**
 * One writer at a time per store. Every change reads the whole store and replaces it, so two
 * concurrent `sluice secrets set` would otherwise lose one update. The lock is a file next to
 * the store holding the writer's pid; a lock left by a process that no longer exists (a
 * crash, a kill -9) is taken over, so an operator rarely has to remove one by hand.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { SecretStoreError } from '../../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user, which still means it holds the lock.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(lock: string): number | null {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null; // released meanwhile
  }
}

function acquire(lock: string, storeFile: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new SecretStoreError('SLUICE_SECRETS_STORE_IO', `cannot create the lock ${lock} (${code ?? String(err)}); the store's directory must exist and be writable`, { cause: err });
    }
    const pid = holder(lock);
    if (pid !== null && alive(pid)) {
      throw new SecretStoreError('SLUICE_SECRETS_STORE_BUSY', `another sluice secrets command (pid ${pid}) is changing ${storeFile}; retry when it is done`);
    }
    if (attempt === 0) unlinkSync(lock);
  }
  throw new SecretStoreError('SLUICE_SECRETS_STORE_BUSY', `${lock} keeps reappearing; if no sluice secrets command is running, remove it and retry`);
}

export function withStoreLock<T>(storeFile: string, change: () => T): T {
  const lock = `${storeFile}.lock`;
  acquire(lock, storeFile);
  try {
    return change();
  } finally {
    unlinkSync(lock);
  }
}
