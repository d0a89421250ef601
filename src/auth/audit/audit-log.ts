/**
 * The audit log writer: JSON lines chained by SHA-256, written in one synchronous batch per
 * event-loop turn (a login storm makes thousands of events a second), rotated by size with
 * the chain carried across files.
 */
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { AuditLogError } from '../../errors.js';
import { formatRecord, hashRecord, type AuditRecord } from './audit-chain.js';
import type { AuditDetail, AuditEvent, AuditSink } from './audit-event.js';
import { resumeChain, type ChainHead } from './audit-resume.js';
import { shiftRotated } from './audit-rotate.js';

export { NO_AUDIT, type AuditDetail, type AuditEvent, type AuditResult, type AuditSink } from './audit-event.js';

export interface AuditLogOptions {
  path: string;
  /** Rotate before a batch would make the live file larger than this (a single larger record still goes in whole). */
  maxSizeBytes: number;
  /** Rotated files kept besides the live one: PATH.1 … PATH.maxFiles; 0 keeps none. */
  maxFiles: number;
  /** Bytes of records held in memory while writes fail; past it, new events are dropped and counted. Default 16 MiB. */
  maxPendingBytes?: number;
  /**
   * Told when writing starts failing (once per failing streak, code SLUICE_AUDIT_WRITE) and
   * when open() cut off a torn last line (SLUICE_AUDIT_TORN_TAIL). Must not throw.
   */
  onError?: (err: AuditLogError) => void;
}

const DEFAULT_MAX_PENDING_BYTES = 16 * 1024 * 1024;
/** A failed write is retried by the next event, or after this long if none comes. */
const RETRY_MS = 1000;

/** Logs still open when the process exits get a last synchronous flush. */
const openLogs = new Set<AuditLog>();
let exitHooked = false;

function closeAllOnExit(): void {
  for (const log of openLogs) log.close();
}

export class AuditLog implements AuditSink {
  readonly path: string;
  readonly #maxSizeBytes: number;
  readonly #maxFiles: number;
  readonly #maxPendingBytes: number;
  readonly #onError: (err: AuditLogError) => void;
  #fd: number | null;
  #size: number;
  #head: ChainHead;
  #queue: Buffer[] = [];
  #pendingBytes = 0;
  #flushScheduled = false;
  #retry: NodeJS.Timeout | null = null;
  #failing = false;
  #lastErrorCode = '';
  #droppedSinceMarker = 0;
  #closed = false;
  #recordsWritten = 0;
  #writeErrors = 0;
  #droppedRecords = 0;

  /** Synchronous, for start-up: creates the directory and continues the chain of an existing file. */
  static open(opts: AuditLogOptions): AuditLog {
    checkOptions(opts);
    // Two writers on one file would interleave two chains (a reload must close the old log first).
    if ([...openLogs].some((log) => resolve(log.path) === resolve(opts.path))) {
      throw new AuditLogError('SLUICE_AUDIT_OPEN', `the audit log ${opts.path} is already open in this process; close it before opening it again`);
    }
    const onError = opts.onError ?? (() => {});
    let fd: number;
    try {
      mkdirSync(dirname(opts.path), { recursive: true });
      fd = openSync(opts.path, 'a+');
    } catch (err) {
      throw new AuditLogError('SLUICE_AUDIT_OPEN', `cannot open the audit log ${opts.path}: ${(err as Error).message}`, { cause: err });
    }
    try {
      const { head, size } = resumeChain(fd, opts.path, onError);
      const log = new AuditLog(opts, onError, fd, size, head);
      if (!exitHooked) {
        process.on('exit', closeAllOnExit);
        exitHooked = true;
      }
      openLogs.add(log);
      return log;
    } catch (err) {
      closeSync(fd);
      if (err instanceof AuditLogError) throw err;
      throw new AuditLogError('SLUICE_AUDIT_OPEN', `cannot read the audit log ${opts.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  private constructor(opts: AuditLogOptions, onError: (err: AuditLogError) => void, fd: number, size: number, head: ChainHead) {
    this.path = opts.path;
    this.#maxSizeBytes = opts.maxSizeBytes;
    this.#maxFiles = opts.maxFiles;
    this.#maxPendingBytes = opts.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    this.#onError = onError;
    this.#fd = fd;
    this.#size = size;
    this.#head = head;
  }

  /** Never throws: the event is hashed into the chain now and written at the end of this turn. */
  record(event: AuditEvent): void {
    if (this.#closed) {
      this.#droppedRecords++;
      return;
    }
    if (this.#pendingBytes >= this.#maxPendingBytes) {
      this.#droppedRecords++;
      this.#droppedSinceMarker++;
      this.#scheduleFlush();
      return;
    }
    // The loss goes into the chain itself, so the file says what it is missing.
    if (this.#droppedSinceMarker > 0) {
      const count = this.#droppedSinceMarker;
      this.#droppedSinceMarker = 0;
      this.#append({ actor: 'sluice', action: 'audit.dropped', target: `file:${basename(this.path)}`, result: 'failed', source: null, detail: { count, reason: this.#lastErrorCode } });
    }
    this.#append(event);
    this.#scheduleFlush();
  }

  /** Writes everything buffered now; a failure is counted and reported, not thrown. */
  flush(): void {
    if (this.#closed || this.#queue.length === 0) return;
    try {
      this.#writeQueue();
      this.#failing = false;
    } catch (err) {
      this.#writeErrors++;
      this.#lastErrorCode = (err as NodeJS.ErrnoException).code ?? 'unknown';
      if (this.#retry === null) {
        this.#retry = setTimeout(this.#retryFlush, RETRY_MS);
        this.#retry.unref();
      }
      if (!this.#failing) {
        this.#failing = true;
        this.#onError(new AuditLogError('SLUICE_AUDIT_WRITE', `cannot write the audit log ${this.path}: ${(err as Error).message}; records wait in memory (up to ${this.#maxPendingBytes} bytes) and are written once it works again`, { cause: err }));
      }
    }
  }

  /** Flushes and closes the file; records the disk still refuses are counted as dropped. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    openLogs.delete(this);
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#droppedRecords += this.#queue.length;
    this.#queue = [];
    this.#pendingBytes = 0;
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  /** The last record written or buffered; seq 0 and 64 zeros before the first. */
  head(): { seq: number; hash: string } {
    return { seq: this.#head.seq, hash: this.#head.hash };
  }

  /** Counters for metrics, read on scrape. */
  get recordsWritten(): number { return this.#recordsWritten; }
  /** Failed write attempts (each retry counts). */
  get writeErrors(): number { return this.#writeErrors; }
  /** Events never written: refused while the memory bound was full, recorded after close, or left when close() could not write them. */
  get droppedRecords(): number { return this.#droppedRecords; }
  get pendingRecords(): number { return this.#queue.length; }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(this.#flushTurn);
  }

  readonly #flushTurn = (): void => {
    this.#flushScheduled = false;
    this.flush();
  };

  readonly #retryFlush = (): void => {
    this.#retry = null;
    this.flush();
  };

  #append(event: AuditEvent): void {
    const record: AuditRecord = {
      seq: this.#head.seq + 1,
      time: new Date().toISOString(),
      actor: event.actor,
      action: event.action,
      target: event.target,
      result: event.result,
      source: event.source,
      prev: this.#head.hash,
      hash: '',
    };
    if (event.detail !== undefined) record.detail = writableDetail(event.detail);
    record.hash = hashRecord(record);
    const line = Buffer.from(`${formatRecord(record)}\n`);
    this.#queue.push(line);
    this.#pendingBytes += line.length;
    this.#head = { seq: record.seq, hash: record.hash };
  }

  /** As many whole lines as fit go into the live file in one write; rotate when the next does not fit. */
  #writeQueue(): void {
    while (this.#queue.length > 0) {
      const fd = this.#fd ?? this.#reopen();
      let count = 0;
      let bytes = 0;
      for (; count < this.#queue.length; count++) {
        const length = this.#queue[count].length;
        if (this.#size + bytes + length > this.#maxSizeBytes && this.#size + bytes > 0) break;
        bytes += length;
      }
      if (count === 0) {
        this.#rotate(fd);
        continue;
      }
      writeWhole(fd, count === 1 ? this.#queue[0] : Buffer.concat(this.#queue.slice(0, count), bytes), this.#size);
      this.#size += bytes;
      this.#queue.splice(0, count);
      this.#pendingBytes -= bytes;
      this.#recordsWritten += count;
    }
  }

  /** The fd is closed first so a failed shift leaves no half state: the next flush reopens PATH and tries again. */
  #rotate(fd: number): void {
    closeSync(fd);
    this.#fd = null;
    shiftRotated(this.path, this.#maxFiles);
  }

  #reopen(): number {
    const fd = openSync(this.path, 'a');
    this.#size = fstatSync(fd).size;
    this.#fd = fd;
    return fd;
  }
}

function writeWhole(fd: number, chunk: Buffer, sizeBefore: number): void {
  let offset = 0;
  try {
    while (offset < chunk.length) offset += writeSync(fd, chunk, offset);
  } catch (err) {
    // Cut a half-written batch off so the retry does not leave a broken line in the file.
    if (offset > 0) {
      try {
        ftruncateSync(fd, sizeBefore);
      } catch {
        // The torn line stays; `sluice audit verify` points at it.
      }
    }
    throw err;
  }
}

/** NaN and Infinity would be written as null and fail verification; keep them as text. */
function writableDetail(detail: AuditDetail): AuditDetail {
  return Object.fromEntries(Object.entries(detail).map(([key, value]) => [key, typeof value === 'number' && !Number.isFinite(value) ? String(value) : value]));
}

function checkOptions(opts: AuditLogOptions): void {
  const problems: string[] = [];
  if (typeof opts.path !== 'string' || opts.path === '') problems.push('path must be a file name');
  if (!Number.isSafeInteger(opts.maxSizeBytes) || opts.maxSizeBytes < 1) problems.push('maxSizeBytes must be an integer ≥ 1');
  if (!Number.isSafeInteger(opts.maxFiles) || opts.maxFiles < 0) problems.push('maxFiles must be an integer ≥ 0');
  if (opts.maxPendingBytes !== undefined && (!Number.isSafeInteger(opts.maxPendingBytes) || opts.maxPendingBytes < 1)) problems.push('maxPendingBytes must be an integer ≥ 1');
  if (problems.length > 0) throw new AuditLogError('SLUICE_AUDIT_OPEN', `invalid audit log options: ${problems.join('; ')}`);
}
