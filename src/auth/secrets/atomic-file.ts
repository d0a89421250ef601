/**
 * Whole-file writes that a crash or a power cut leaves either old or new, never half written:
 * a temp file in the same directory (so rename stays on one filesystem), fsync, then rename
 * or link, then fsync of the directory so the new name itself is durable.
 */
import { closeSync, fchmodSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** Secrets and keys are readable by their owner only, whatever the umask. */
export const PRIVATE_MODE = 0o600;

function writeTemp(path: string, data: string): string {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', PRIVATE_MODE);
  try {
    fchmodSync(fd, PRIVATE_MODE);
    const bytes = Buffer.from(data, 'utf8');
    for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(temp);
    throw err;
  }
  closeSync(fd);
  return temp;
}

function syncDirectory(path: string): void {
  const fd = openSync(dirname(path), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `path` (or creates it) with `data`, mode 0600. */
export function replaceFileAtomically(path: string, data: string): void {
  const temp = writeTemp(path, data);
  try {
    renameSync(temp, path);
  } catch (err) {
    unlinkSync(temp);
    throw err;
  }
  syncDirectory(path);
}

/**
 * Creates `path` with `data`, mode 0600, failing with EEXIST if it exists: link(2) never
 * replaces a file, so two concurrent creators cannot both win and no one sees a partial file.
 */
export function createFileAtomically(path: string, data: string): void {
  const temp = writeTemp(path, data);
  try {
    linkSync(temp, path);
  } finally {
    unlinkSync(temp);
  }
  syncDirectory(path);
}
