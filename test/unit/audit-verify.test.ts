// The verifier on chains written by the real writer: hand-made tampering with each kind of
// report, anchors, and fast-check properties (every single edit, removal, swap and
// duplication of lines is detected, or for the two ends, shows in the reported span).
import t from 'tap';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, type AuditEvent } from '../../src/auth/audit/audit-log.js';
import { GENESIS_HASH, formatRecord, hashRecord, parseRecord, type AuditRecord } from '../../src/auth/audit/audit-chain.js';
import { verifyAuditFiles } from '../../src/auth/audit/audit-verify.js';

const ROOT = mkdtempSync(join(tmpdir(), 'sluice-audit-verify-'));
t.teardown(() => rmSync(ROOT, { recursive: true, force: true }));

/** Writes the events with the real writer and returns the file's lines. */
function writeChain(events: readonly AuditEvent[]): string[] {
  const path = join(mkdtempSync(join(ROOT, 'chain-')), 'audit.jsonl');
  const log = AuditLog.open({ path, maxSizeBytes: 100_000_000, maxFiles: 1 });
  for (const event of events) log.record(event);
  log.close();
  return readFileSync(path, 'utf8').split('\n').slice(0, -1);
}

/** Writes lines as a file of their own and verifies it. */
function verifyLines(lines: readonly string[], anchors?: { seq: number; hash: string }[]) {
  const path = join(mkdtempSync(join(ROOT, 'check-')), 'audit.jsonl');
  writeFileSync(path, lines.map((line) => `${line}\n`).join(''));
  return { path, report: verifyAuditFiles([path], { anchors }) };
}

function recordOf(line: string): AuditRecord {
  const parsed = parseRecord(line);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.record;
}

function simpleEvents(count: number): AuditEvent[] {
  return Array.from({ length: count }, (_, i) => ({ actor: `user:u${i}`, action: 'client.login', target: 'source:app', result: 'ok', source: '127.0.0.1:5000' }));
}

t.test('an intact chain: records, span and head', async (t) => {
  const lines = writeChain(simpleEvents(5));
  const { report } = verifyLines(lines);
  t.strictSame(report, { ok: true, files: 1, records: 5, first: { seq: 1, prev: GENESIS_HASH }, fromGenesis: true, head: { seq: 5, hash: recordOf(lines[4] ?? '').hash }, problem: null });
  t.strictSame(verifyAuditFiles([]), { ok: true, files: 0, records: 0, first: null, fromGenesis: false, head: null, problem: null });
});

t.test('key order and spacing in the file do not matter; unknown fields do', async (t) => {
  const lines = writeChain(simpleEvents(3));
  const record = JSON.parse(lines[1] ?? '') as Record<string, unknown>;
  const reordered = JSON.stringify(Object.fromEntries(Object.entries(record).reverse()), null, 1).replace(/\n/g, ' ');
  t.ok(verifyLines([lines[0] ?? '', reordered, lines[2] ?? '']).report.ok);
  const { path, report } = verifyLines([lines[0] ?? '', JSON.stringify({ ...record, note: 'harmless?' }), lines[2] ?? '']);
  t.strictSame(report.problem, { kind: 'bad-record', file: path, line: 2, message: 'unknown field "note"' });
});

t.test('bad JSON, missing fields and a torn last line are named with file and line', async (t) => {
  const lines = writeChain(simpleEvents(3));
  const badJson = verifyLines([lines[0] ?? '', 'not json', lines[2] ?? '']);
  t.equal(badJson.report.problem?.kind, 'bad-json');
  t.equal(badJson.report.problem?.line, 2);
  t.equal(badJson.report.records, 1);
  const { actor: _actor, ...withoutActor } = JSON.parse(lines[2] ?? '') as Record<string, unknown>;
  const missing = verifyLines([lines[0] ?? '', lines[1] ?? '', JSON.stringify(withoutActor)]);
  t.strictSame(missing.report.problem, { kind: 'bad-record', file: missing.path, line: 3, message: 'actor must be a string' });
  const path = join(mkdtempSync(join(ROOT, 'torn-')), 'audit.jsonl');
  writeFileSync(path, `${lines[0]}\n${lines[1]?.slice(0, 40)}`);
  const torn = verifyAuditFiles([path]);
  t.equal(torn.problem?.kind, 'bad-json');
  t.match(torn.problem?.message, 'no newline');
  const unreadable = verifyAuditFiles([join(ROOT, 'nope.jsonl')]);
  t.equal(unreadable.problem?.kind, 'unreadable');
  t.match(unreadable.problem?.message, 'ENOENT');
});

t.test('a line replaced by a forgery with a recomputed hash breaks the link to the next line', async (t) => {
  const lines = writeChain(simpleEvents(5));
  const forged = { ...recordOf(lines[2] ?? ''), actor: 'user:nobody' };
  forged.hash = hashRecord(forged);
  const tampered = [...lines];
  tampered[2] = formatRecord(forged);
  const { report } = verifyLines(tampered);
  t.equal(report.problem?.kind, 'broken-link');
  t.equal(report.problem?.line, 4);
  t.match(report.problem?.message, 'recomputed hash');
});

t.test('rewriting the whole tail with recomputed hashes is caught only by an anchor', async (t) => {
  const lines = writeChain(simpleEvents(6));
  const anchor = { seq: 6, hash: recordOf(lines[5] ?? '').hash };
  t.ok(verifyLines(lines, [anchor]).report.ok, 'the anchor matches the untouched chain');
  const rewritten = lines.slice(0, 2);
  let prev = recordOf(lines[1] ?? '').hash;
  for (const line of lines.slice(2)) {
    const record = { ...recordOf(line), actor: 'user:nobody', prev };
    record.hash = hashRecord(record);
    prev = record.hash;
    rewritten.push(formatRecord(record));
  }
  t.ok(verifyLines(rewritten).report.ok, 'without an anchor a consistent rewrite verifies');
  const { report } = verifyLines(rewritten, [anchor]);
  t.equal(report.problem?.kind, 'anchor');
  t.equal(report.problem?.line, 6);
  t.match(report.problem?.message, 'rewritten');
});

t.test('anchors: the chain must reach them, and they must be inside the files given', async (t) => {
  const lines = writeChain(simpleEvents(4));
  const head = { seq: 4, hash: recordOf(lines[3] ?? '').hash };
  const truncated = verifyLines(lines.slice(0, 3), [head]);
  t.equal(truncated.report.problem?.kind, 'anchor');
  t.match(truncated.report.problem?.message, 'removed from the end');
  const older = verifyLines(lines.slice(2), [{ seq: 1, hash: recordOf(lines[0] ?? '').hash }]);
  t.equal(older.report.problem?.kind, 'anchor');
  t.match(older.report.problem?.message, 'older than the first record given');
  t.equal(verifyLines([], [head]).report.problem?.kind, 'anchor');
});

// ---- properties -------------------------------------------------------------------------

const text = fc.string({ unit: 'binary', maxLength: 12 });
const detailValue = fc.oneof(text, fc.integer(), fc.boolean(), fc.double());
const eventArb: fc.Arbitrary<AuditEvent> = fc.record(
  {
    actor: text,
    action: fc.constantFrom('client.login', 'admin.auth', 'admin.pause'),
    target: text,
    result: fc.constantFrom('ok', 'denied', 'failed'),
    source: fc.option(text, { nil: null }),
    detail: fc.dictionary(text, detailValue, { maxKeys: 3 }),
  },
  { requiredKeys: ['actor', 'action', 'target', 'result', 'source'] },
);
const chainArb = fc.array(eventArb, { minLength: 1, maxLength: 12 });
const FIELDS = ['seq', 'time', 'actor', 'action', 'target', 'result', 'source', 'detail', 'prev', 'hash'] as const;

/** Another value of the same type, so the line still parses and only the hash can tell. */
function changed(record: AuditRecord, field: (typeof FIELDS)[number], salt: number): unknown {
  switch (field) {
    case 'seq': return record.seq + 1 + salt;
    case 'time': return new Date(Date.parse(record.time) + 1 + salt).toISOString();
    case 'actor': case 'action': case 'target': return `${record[field]}~`;
    case 'result': return record.result === 'ok' ? 'denied' : 'ok';
    case 'source': return record.source === null ? '10.0.0.1:1' : null;
    case 'detail': return record.detail === undefined ? { note: salt } : { ...record.detail, note: `${salt}!` };
    case 'prev': case 'hash': return record[field].replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
  }
}

t.test('property: written chains verify and keep every event as given', async (t) => {
  fc.assert(fc.property(chainArb, (events) => {
    const lines = writeChain(events);
    const { report } = verifyLines(lines);
    if (!report.ok || report.records !== events.length) return false;
    return lines.every((line, i) => {
      const { actor, action, target, result, source, detail } = recordOf(line);
      const event = events[i];
      return event !== undefined && actor === event.actor && action === event.action && target === event.target && result === event.result && source === event.source && (detail === undefined) === (event.detail === undefined);
    });
  }), { numRuns: 60 });
  t.pass('every written chain verified');
});

t.test('property: any edit of one field of one line is found at that line', async (t) => {
  fc.assert(fc.property(chainArb, fc.nat(), fc.constantFrom(...FIELDS), fc.nat(1000), (events, pick, field, salt) => {
    const lines = writeChain(events);
    const index = pick % lines.length;
    const record = recordOf(lines[index] ?? '');
    const tampered = [...lines];
    tampered[index] = JSON.stringify({ ...JSON.parse(lines[index] ?? '') as object, [field]: changed(record, field, salt) });
    const { problem } = verifyLines(tampered).report;
    // seq 1 is the only seq with prev 0…0, so editing either on line 1 breaks that rule first.
    const expected = record.seq === 1 && (field === 'seq' || field === 'prev') ? 'bad-record' : 'edited';
    return problem?.kind === expected && problem.line === index + 1;
  }), { numRuns: 200 });
  t.pass('every edit found');
});

t.test('property: removing a line is found, or for the first and last line shows in the span', async (t) => {
  fc.assert(fc.property(chainArb, fc.nat(), (events, pick) => {
    const lines = writeChain(events);
    const index = pick % lines.length;
    const { report } = verifyLines(lines.filter((_, i) => i !== index));
    const n = lines.length;
    // Nothing after the last line vouches for it, and a chain may start in a rotated-away
    // file: those two removals change the reported span instead (an anchor catches them).
    if (n === 1) return report.ok && report.head === null;
    if (index === n - 1) return report.ok && report.head?.seq === n - 1 && report.head.hash === recordOf(lines[n - 2] ?? '').hash;
    if (index === 0) return report.ok && !report.fromGenesis && report.first?.seq === 2;
    return report.problem?.kind === 'removed' && report.problem.line === index + 1;
  }), { numRuns: 200 });
  t.pass('every removal found or visible');
});

t.test('property: swapping any two lines is found', async (t) => {
  fc.assert(fc.property(fc.array(eventArb, { minLength: 2, maxLength: 12 }), fc.nat(), fc.nat(), (events, a, b) => {
    const lines = writeChain(events);
    const i = a % lines.length;
    const j = (i + 1 + (b % (lines.length - 1))) % lines.length;
    const swapped = [...lines];
    [swapped[i], swapped[j]] = [lines[j] ?? '', lines[i] ?? ''];
    return verifyLines(swapped).report.problem?.kind === 'reordered';
  }), { numRuns: 200 });
  t.pass('every swap found');
});

t.test('property: a line repeated anywhere is found as a duplicate', async (t) => {
  fc.assert(fc.property(chainArb, fc.nat(), fc.nat(), (events, pick, at) => {
    const lines = writeChain(events);
    const copy = lines[pick % lines.length] ?? '';
    const position = at % (lines.length + 1);
    const doubled = [...lines.slice(0, position), copy, ...lines.slice(position)];
    return verifyLines(doubled).report.problem?.kind === 'duplicated';
  }), { numRuns: 200 });
  t.pass('every duplicate found');
});
