/**
 * Where a restarted writer continues the chain: the last record of the live file, or of
 * PATH.1 when the process stopped right after a rotation.
 */
import { closeSync, ftruncateSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { AuditLogError } from '../../errors.js';
import { GENESIS_HASH, hashRecord, parseRecord } from './audit-chain.js';
import { rotatedPath } from './audit-rotate.js';

export interface ChainHead {
  seq: number;
  hash: string;
}

const NL = 0x0a;
const CHUNK = 64 * 1024;

/**
 * Resume from the live file open as `fd` (read-write, append). A torn last line (a crash
 * mid-write) that is not a whole record is cut off and reported through `onTorn`; a whole
 * record that lacks only its newline gets one. Returns the chain head and the file's size.
 */
export function resumeChain(fd: number, path: string, onTorn: (err: AuditLogError) => void): { head: ChainHead; size: number } {
  let size = fstatSync(fd).size;
  const tail = readTail(fd, size);
  let last = tail.lastLine;
  if (tail.fragment.length > 0) {
    const text = tail.fragment.toString('utf8');
    if (validHead(text) !== null) {
      writeSync(fd, '\n');
      size += 1;
      last = text;
    } else {
      ftruncateSync(fd, tail.fragmentStart);
      size = tail.fragmentStart;
      onTorn(new AuditLogError('SLUICE_AUDIT_TORN_TAIL', `${path}: dropped an incomplete last line of ${tail.fragment.length} bytes (a write cut short by a crash)`));
    }
  }
  let from = path;
  if (last === null) {
    from = rotatedPath(path, 1);
    last = lastLineOf(from);
  }
  if (last === null) return { head: { seq: 0, hash: GENESIS_HASH }, size };
  const head = validHead(last);
  if (head === null) {
    throw new AuditLogError('SLUICE_AUDIT_CORRUPT', `cannot continue the audit chain: the last line of ${from} is not an intact record; check with "sluice audit verify --all ${path}", then move the files aside to start a new chain`);
  }
  return { head, size };
}

function validHead(line: string): ChainHead | null {
  const parsed = parseRecord(line);
  if (!parsed.ok || hashRecord(parsed.record) !== parsed.record.hash) return null;
  return { seq: parsed.record.seq, hash: parsed.record.hash };
}

/** The last complete line of a file that may not exist (then null). */
function lastLineOf(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return readTail(fd, fstatSync(fd).size).lastLine;
  } finally {
    closeSync(fd);
  }
}

interface Tail {
  /** The last newline-terminated line, without its newline; null if there is none. */
  lastLine: string | null;
  /** Bytes after the last newline. */
  fragment: Buffer;
  fragmentStart: number;
}

/** Reads backwards in chunks until two newlines are in view, so a long file costs one read. */
function readTail(fd: number, size: number): Tail {
  let start = size;
  let buf = Buffer.alloc(0);
  while (start > 0) {
    const length = Math.min(CHUNK, start);
    start -= length;
    const chunk = Buffer.alloc(length);
    for (let got = 0; got < length; ) {
      const n = readSync(fd, chunk, got, length - got, start + got);
      if (n === 0) throw new Error('the file shrank while its last line was read');
      got += n;
    }
    buf = Buffer.concat([chunk, buf]);
    const lastNl = buf.lastIndexOf(NL);
    if (lastNl > 0 && buf.lastIndexOf(NL, lastNl - 1) !== -1) break;
  }
  const lastNl = buf.lastIndexOf(NL);
  if (lastNl === -1) return { lastLine: null, fragment: buf, fragmentStart: start };
  const prevNl = lastNl === 0 ? -1 : buf.lastIndexOf(NL, lastNl - 1);
  return {
    lastLine: buf.subarray(prevNl + 1, lastNl).toString('utf8'),
    fragment: buf.subarray(lastNl + 1),
    fragmentStart: start + lastNl + 1,
  };
}
