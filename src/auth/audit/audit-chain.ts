/**
 * One audit line: its fields, its hash and its parsing, shared by the writer and the verifier
 * so that both hash exactly the same bytes.
 */
import { createHash } from 'node:crypto';
import { AUDIT_RESULTS, type AuditDetail, type AuditEvent, type AuditResult } from './audit-event.js';

/** The `prev` of the first record ever written. */
export const GENESIS_HASH = '0'.repeat(64);

/** An event as written: numbered, timed and chained. */
export interface AuditRecord extends AuditEvent {
  seq: number;
  time: string;
  prev: string;
  hash: string;
}

export type UnhashedRecord = Omit<AuditRecord, 'hash'>;

/**
 * SHA-256 over prev and the other fields in a fixed order (detail keys sorted), so the
 * hash depends on values only: key order or spacing in the file does not matter.
 */
export function hashRecord(r: UnhashedRecord): string {
  const detail = r.detail === undefined ? null : Object.entries(r.detail).sort(byKey);
  const body = JSON.stringify([r.seq, r.time, r.actor, r.action, r.target, r.result, r.source, detail]);
  return createHash('sha256').update(r.prev).update('\n').update(body).digest('hex');
}

/** The line as the writer puts it in the file, without its newline. */
export function formatRecord(r: AuditRecord): string {
  const { seq, time, actor, action, target, result, source, detail, prev, hash } = r;
  const sorted = detail === undefined ? undefined : Object.fromEntries(Object.entries(detail).sort(byKey));
  return JSON.stringify({ seq, time, actor, action, target, result, source, detail: sorted, prev, hash });
}

function byKey(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

export type ParsedLine =
  | { ok: true; record: AuditRecord }
  | { ok: false; kind: 'bad-json' | 'bad-record'; message: string };

const HEX64 = /^[0-9a-f]{64}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const FIELDS = new Set(['seq', 'time', 'actor', 'action', 'target', 'result', 'source', 'detail', 'prev', 'hash']);

/**
 * Parse and type-check one line. Unknown keys are refused: the hash does not cover them,
 * so accepting them would let anyone add text to a record unnoticed.
 */
export function parseRecord(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { ok: false, kind: 'bad-json', message: line.trim() === '' ? 'empty line' : `not JSON (${(err as Error).message})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad('not a JSON object');
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).find((key) => !FIELDS.has(key));
  if (unknown !== undefined) return bad(`unknown field "${unknown}"`);
  const { seq, time, actor, action, target, result, source, detail, prev, hash } = o;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return bad('seq must be an integer ≥ 1');
  if (typeof time !== 'string' || !ISO_MS.test(time) || Number.isNaN(Date.parse(time))) return bad('time must be an ISO 8601 UTC time with milliseconds');
  if (typeof actor !== 'string') return bad('actor must be a string');
  if (typeof action !== 'string') return bad('action must be a string');
  if (typeof target !== 'string') return bad('target must be a string');
  if (!AUDIT_RESULTS.includes(result as AuditResult)) return bad(`result must be one of ${AUDIT_RESULTS.join(', ')}`);
  if (source !== null && typeof source !== 'string') return bad('source must be a string or null');
  if (detail !== undefined && !isDetail(detail)) return bad('detail must be an object of strings, numbers and booleans');
  if (typeof prev !== 'string' || !HEX64.test(prev)) return bad('prev must be 64 lowercase hex digits');
  if (typeof hash !== 'string' || !HEX64.test(hash)) return bad('hash must be 64 lowercase hex digits');
  if ((seq === 1) !== (prev === GENESIS_HASH)) return bad('seq 1, and only seq 1, starts the chain (prev of 64 zeros)');
  const record: AuditRecord = { seq, time, actor, action, target, result: result as AuditResult, source, prev, hash };
  if (detail !== undefined) record.detail = detail;
  return { ok: true, record };
}

function bad(message: string): ParsedLine {
  return { ok: false, kind: 'bad-record', message };
}

function isDetail(value: unknown): value is AuditDetail {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).every((v) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)));
}
