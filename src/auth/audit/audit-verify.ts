/**
 * Checks an audit chain spread over files given oldest first, and names the first problem:
 * which file, which line, and the likeliest story (edited, removed, reordered, duplicated).
 * The story is worked out only once something is wrong, by searching the files again, so a
 * clean run keeps nothing but the previous record in memory.
 */
import { readFileSync } from 'node:fs';
import { hashRecord, parseRecord, type AuditRecord } from './audit-chain.js';

export type AuditProblemKind =
  | 'unreadable'
  | 'bad-json'
  | 'bad-record'
  | 'edited'
  | 'removed'
  | 'reordered'
  | 'duplicated'
  | 'broken-link'
  | 'anchor';

export interface AuditProblem {
  kind: AuditProblemKind;
  file: string;
  /** 1-based; 0 when the problem is the file as a whole. */
  line: number;
  message: string;
}

/** A (seq, hash) pair noted somewhere the log's writer cannot reach. */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

export interface VerifyOptions {
  /** Each must match the record of the same seq, and the chain must reach it. */
  anchors?: readonly ChainAnchor[];
}

export interface VerifyReport {
  ok: boolean;
  files: number;
  /** Intact records read before the first problem; all of them when ok. */
  records: number;
  /** The first record given: where this stretch of the chain starts. */
  first: { seq: number; prev: string } | null;
  /** The first record is seq 1; otherwise the chain starts in an earlier (rotated away) file. */
  fromGenesis: boolean;
  /** The last intact record; note it elsewhere to detect later truncation or rewriting. */
  head: ChainAnchor | null;
  problem: AuditProblem | null;
}

interface Located {
  record: AuditRecord;
  file: string;
  fileIndex: number;
  line: number;
}

type Entry =
  | { file: string; fileIndex: number; line: number; text: string; unterminated: boolean }
  | { file: string; unreadable: string };

function* readLines(paths: readonly string[]): Generator<Entry> {
  for (const [fileIndex, file] of paths.entries()) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      yield { file, unreadable: (err as Error).message };
      continue;
    }
    const lines = text.split('\n');
    const unterminated = lines.at(-1) !== '';
    if (!unterminated) lines.pop();
    for (const [i, line] of lines.entries()) {
      yield { file, fileIndex, line: i + 1, text: line, unterminated: unterminated && i === lines.length - 1 };
    }
  }
}

export function verifyAuditFiles(paths: readonly string[], options: VerifyOptions = {}): VerifyReport {
  const report: VerifyReport = { ok: false, files: paths.length, records: 0, first: null, fromGenesis: false, head: null, problem: null };
  const anchors = options.anchors ?? [];
  let start: Located | null = null;
  let last: Located | null = null;
  const fail = (problem: AuditProblem): VerifyReport => {
    report.problem = problem;
    return report;
  };
  for (const entry of readLines(paths)) {
    if ('unreadable' in entry) return fail({ kind: 'unreadable', file: entry.file, line: 0, message: `cannot read the file: ${entry.unreadable}` });
    const { file, fileIndex, line } = entry;
    const parsed = parseRecord(entry.text);
    if (!parsed.ok) {
      const torn = entry.unterminated ? '; it has no newline: a write cut short, or the file is being written' : '';
      return fail({ kind: parsed.kind, file, line, message: `${parsed.message}${torn}` });
    }
    const here: Located = { record: parsed.record, file, fileIndex, line };
    const { seq, prev, hash } = here.record;
    if (hashRecord(here.record) !== hash) return fail({ kind: 'edited', file, line, message: `seq ${seq}: the hash does not match the content: the line was edited` });
    if (last === null) {
      start = here;
      report.first = { seq, prev };
      report.fromGenesis = seq === 1;
    } else if (seq !== last.record.seq + 1 || prev !== last.record.hash) {
      return fail(diagnose(paths, last, here));
    }
    const anchor = anchors.find((a) => a.seq === seq && a.hash !== hash);
    if (anchor !== undefined) return fail({ kind: 'anchor', file, line, message: `seq ${seq} has hash ${hash} but the anchor says ${anchor.hash}: the chain was rewritten up to here` });
    report.records++;
    report.head = { seq, hash };
    last = here;
  }
  for (const anchor of anchors) {
    if (last === null || start === null) return fail({ kind: 'anchor', file: paths.at(-1) ?? '', line: 0, message: `no records to check the anchor seq ${anchor.seq} against` });
    if (anchor.seq > last.record.seq) {
      return fail({ kind: 'anchor', file: last.file, line: last.line, message: `the chain ends at seq ${last.record.seq} but the anchor names seq ${anchor.seq}: records were removed from the end, or newer files were left out` });
    }
    if (anchor.seq < start.record.seq) {
      return fail({ kind: 'anchor', file: start.file, line: start.line, message: `the anchor names seq ${anchor.seq}, older than the first record given (seq ${start.record.seq}): give the older rotated files too, or a newer anchor` });
    }
  }
  report.ok = true;
  return report;
}

/** `here` does not follow `last`: search the files for the story that explains it best. */
function diagnose(paths: readonly string[], last: Located, here: Located): AuditProblem {
  const problem = (kind: AuditProblemKind, message: string): AuditProblem => ({ kind, file: here.file, line: here.line, message });
  const expected = last.record.seq + 1;
  const { seq } = here.record;
  for (const suspect of [here, last]) {
    const twin = findRecord(paths, (other) => other.record.hash === suspect.record.hash && !sameLine(other, suspect));
    if (twin !== undefined) return { kind: 'duplicated', file: suspect.file, line: suspect.line, message: `seq ${suspect.record.seq} appears twice: this line repeats ${where(twin)}` };
  }
  const between = here.fileIndex !== last.fileIndex;
  if (seq === expected) {
    return between
      ? problem('broken-link', `${here.file} does not link to ${last.file}: its first prev is not the hash of seq ${last.record.seq}; the files belong to different chains, or a line was replaced`)
      : problem('broken-link', `seq ${seq} does not link to the line before: its prev is not the hash of seq ${last.record.seq}; the line before was replaced by one with a recomputed hash, or lines were removed and renumbered`);
  }
  const wanted = findRecord(paths, (other) => other.record.seq === expected);
  if (between) {
    const gap = `${last.file} ends at seq ${last.record.seq} but ${here.file} starts at seq ${seq}`;
    if (wanted !== undefined || seq < expected) return problem('broken-link', `${gap}: the files are out of order (give them oldest first, e.g. PATH.2 PATH.1 PATH)${wanted === undefined ? '' : `; seq ${expected} is at ${where(wanted)}`}`);
    return problem('broken-link', `${gap}: ${count(seq - expected)} missing between the files (a rotated file left out, or lines removed)`);
  }
  if (wanted !== undefined) return problem('reordered', `expected seq ${expected} after seq ${last.record.seq}, found seq ${seq}; seq ${expected} is at ${where(wanted)}: lines were reordered`);
  if (seq > expected) {
    const range = seq - expected === 1 ? `seq ${expected} is` : `seq ${expected}–${seq - 1} are`;
    return problem('removed', `${range} missing between seq ${last.record.seq} and seq ${seq}: ${count(seq - expected)} removed before this line`);
  }
  return problem('reordered', `seq ${seq} comes after seq ${last.record.seq}: lines were reordered`);
}

function findRecord(paths: readonly string[], match: (candidate: Located) => boolean): Located | undefined {
  for (const entry of readLines(paths)) {
    if ('unreadable' in entry) continue;
    const parsed = parseRecord(entry.text);
    if (!parsed.ok) continue;
    const candidate: Located = { record: parsed.record, file: entry.file, fileIndex: entry.fileIndex, line: entry.line };
    if (match(candidate)) return candidate;
  }
  return undefined;
}

function sameLine(a: Located, b: Located): boolean {
  return a.fileIndex === b.fileIndex && a.line === b.line;
}

function where(at: Located): string {
  return `${at.file}:${at.line}`;
}

function count(records: number): string {
  return records === 1 ? '1 record' : `${records} records`;
}
