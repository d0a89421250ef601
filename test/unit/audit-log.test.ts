// The audit log writer on real files in a temporary directory: batching, the chain's fields,
// resuming after a restart, torn and corrupt tails, write failures and the exit flush.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLogError } from '../../src/errors.js';
import { AuditLog, NO_AUDIT, type AuditEvent } from '../../src/auth/audit/audit-log.js';
import { GENESIS_HASH, hashRecord, parseRecord, type AuditRecord } from '../../src/auth/audit/audit-chain.js';
import { rotatedSiblings } from '../../src/auth/audit/audit-rotate.js';
import { verifyAuditFiles } from '../../src/auth/audit/audit-verify.js';

const ROOT = mkdtempSync(join(tmpdir(), 'sluice-audit-log-'));
t.teardown(() => rmSync(ROOT, { recursive: true, force: true }));

function logPath(): string {
  return join(mkdtempSync(join(ROOT, 'case-')), 'audit', 'audit.jsonl');
}

function event(n: number, extra: Partial<AuditEvent> = {}): AuditEvent {
  return { actor: `user:u${n}`, action: 'client.login', target: 'source:app', result: n % 3 === 0 ? 'failed' : 'ok', source: `10.0.0.${n % 250}:5${n}`, ...extra };
}

function records(path: string): AuditRecord[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => {
    const parsed = parseRecord(line);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.record;
  });
}

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

t.test('records are written in one batch at the end of the event-loop turn, as a verifiable chain', async (t) => {
  const path = logPath();
  const log = AuditLog.open({ path, maxSizeBytes: 10_000_000, maxFiles: 3 });
  t.ok(existsSync(path), 'the directory and the file are created');
  for (let n = 1; n <= 1000; n++) log.record(event(n));
  t.equal(statSync(path).size, 0, 'nothing written during the turn');
  t.equal(log.pendingRecords, 1000);
  await endOfTurn();
  t.equal(log.pendingRecords, 0);
  t.equal(log.recordsWritten, 1000);
  const written = records(path);
  t.equal(written.length, 1000);
  t.strictSame(written.map((r) => r.seq), Array.from({ length: 1000 }, (_, i) => i + 1));
  t.equal(written[0]?.prev, GENESIS_HASH);
  t.strictSame(log.head(), { seq: 1000, hash: written[999]?.hash });
  log.close();
  const report = verifyAuditFiles([path]);
  t.ok(report.ok);
  t.equal(report.records, 1000);
  t.ok(report.fromGenesis);
  t.strictSame(report.head, log.head());
});

t.test('the line: fixed key order, sorted detail, ISO time, NaN kept as text', async (t) => {
  const path = logPath();
  const log = AuditLog.open({ path, maxSizeBytes: 1_000_000, maxFiles: 1 });
  const before = Date.now();
  log.record({ actor: 'token:ci-bot', action: 'admin.pause', target: 'source:app', result: 'denied', source: null, detail: { zeta: 1, alpha: 'x', flag: true, ratio: Number.NaN } });
  log.close();
  const [line] = readFileSync(path, 'utf8').split('\n');
  const object = JSON.parse(line ?? '') as Record<string, unknown>;
  t.strictSame(Object.keys(object), ['seq', 'time', 'actor', 'action', 'target', 'result', 'source', 'detail', 'prev', 'hash']);
  t.strictSame(Object.keys(object.detail as object), ['alpha', 'flag', 'ratio', 'zeta']);
  t.strictSame(object.detail, { alpha: 'x', flag: true, ratio: 'NaN', zeta: 1 });
  t.match(object.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  t.ok(Date.parse(object.time as string) >= before - 1);
  const record = records(path)[0];
  t.ok(record);
  if (record) t.equal(hashRecord(record), record.hash);
});

t.test('a restart continues the chain from the last line', async (t) => {
  const path = logPath();
  const first = AuditLog.open({ path, maxSizeBytes: 1_000_000, maxFiles: 1 });
  for (let n = 1; n <= 3; n++) first.record(event(n));
  first.close();
  const second = AuditLog.open({ path, maxSizeBytes: 1_000_000, maxFiles: 1 });
  t.strictSame(second.head(), first.head(), 'head read back from the file');
  for (let n = 4; n <= 5; n++) second.record(event(n));
  second.close();
  const written = records(path);
  t.strictSame(written.map((r) => r.seq), [1, 2, 3, 4, 5]);
  t.equal(written[3]?.prev, written[2]?.hash);
  t.ok(verifyAuditFiles([path]).ok);
});

t.test('a torn last line is cut off and reported; a whole record without its newline is kept', async (t) => {
  const path = logPath();
  const log = AuditLog.open({ path, maxSizeBytes: 1_000_000, maxFiles: 1 });
  log.record(event(1));
  log.record(event(2));
  log.close();
  const intact = statSync(path).size;
  appendFileSync(path, '{"seq":3,"time":"2026-');
  const errors: AuditLogError[] = [];
  const resumed = AuditLog.open({ path, maxSizeBytes: 1_000_000, maxFiles: 1, onError: (err) => errors.push(err) });
  t.equal(errors.length, 1);
  t.equal(errors[0]?.code, 'SLUICE_AUDIT_TORN_TAIL');
  t.equal(statSync(path).size, intact, 'cut back to the last whole line');
  t.equal(resumed.head().seq, 2);
  resumed.record(event(3));
  resumed.close();
  t.ok(verifyAuditFiles([path]).ok);

  truncateSync(path, statSync(path).size - 1);
  const again = AuditLog.open({ path, maxSizeBytes: 1_000_000, maxFiles: 1, onError: (err) => errors.push(err) });
  t.equal(errors.length, 1, 'no report: nothing was dropped');
  t.equal(again.head().seq, 3);
  again.record(event(4));
  again.close();
  const report = verifyAuditFiles([path]);
  t.ok(report.ok);
  t.equal(report.records, 4);
});

t.test('an edited last line stops open() with SLUICE_AUDIT_CORRUPT', async (t) => {
  const path = logPath();
  const log = AuditLog.open({ path, maxSizeBytes: 1_000_000, maxFiles: 1 });
  log.record(event(1));
  log.close();
  writeFileSync(path, readFileSync(path, 'utf8').replace('user:u1', 'user:u2'));
  const err = t.throws(() => AuditLog.open({ path, maxSizeBytes: 1_000_000, maxFiles: 1 })) as AuditLogError;
  t.type(err, AuditLogError);
  t.equal(err.code, 'SLUICE_AUDIT_CORRUPT');
  t.match(err.message, 'sluice audit verify --all');
});

t.test('bad options, a file already open and unusable paths are SLUICE_AUDIT_OPEN', async (t) => {
  for (const opts of [
    { path: '', maxSizeBytes: 1, maxFiles: 1 },
    { path: logPath(), maxSizeBytes: 0, maxFiles: 1 },
    { path: logPath(), maxSizeBytes: 100, maxFiles: -1 },
    { path: logPath(), maxSizeBytes: 100, maxFiles: 1, maxPendingBytes: 0.5 },
  ]) {
    const err = t.throws(() => AuditLog.open(opts)) as AuditLogError;
    t.equal(err.code, 'SLUICE_AUDIT_OPEN', JSON.stringify(opts));
  }
  const path = logPath();
  const open = AuditLog.open({ path, maxSizeBytes: 100, maxFiles: 1 });
  const twice = t.throws(() => AuditLog.open({ path: join(path, '..', 'audit.jsonl'), maxSizeBytes: 100, maxFiles: 1 })) as AuditLogError;
  t.equal(twice.code, 'SLUICE_AUDIT_OPEN');
  t.match(twice.message, 'already open in this process');
  open.close();
  AuditLog.open({ path, maxSizeBytes: 100, maxFiles: 1 }).close();
  const dir = join(ROOT, 'a-directory');
  mkdirSync(dir);
  const err = t.throws(() => AuditLog.open({ path: dir, maxSizeBytes: 100, maxFiles: 1 })) as AuditLogError;
  t.equal(err.code, 'SLUICE_AUDIT_OPEN');
  t.match(err.message, /EISDIR/);
});

t.test('close flushes; records after close are counted as dropped; close twice is harmless', async (t) => {
  const path = logPath();
  const log = AuditLog.open({ path, maxSizeBytes: 1_000_000, maxFiles: 1 });
  log.record(event(1));
  log.close();
  t.equal(records(path).length, 1);
  log.record(event(2));
  log.close();
  t.equal(log.droppedRecords, 1);
  t.equal(records(path).length, 1);
  NO_AUDIT.record(event(3));
});

t.test('a full disk: record never throws, onError once per failing streak, memory bounded', { skip: existsSync('/dev/full') ? false : 'no /dev/full' }, async (t) => {
  const errors: AuditLogError[] = [];
  const log = AuditLog.open({ path: '/dev/full', maxSizeBytes: 1_000_000, maxFiles: 1, maxPendingBytes: 4000, onError: (err) => errors.push(err) });
  for (let turn = 0; turn < 5; turn++) {
    for (let n = 0; n < 20; n++) log.record(event(n));
    await endOfTurn();
  }
  t.equal(errors.length, 1);
  t.equal(errors[0]?.code, 'SLUICE_AUDIT_WRITE');
  t.match(errors[0]?.message, /ENOSPC/);
  t.equal(log.writeErrors, 5, 'every attempt counted');
  t.equal(log.recordsWritten, 0);
  t.ok(log.pendingRecords > 0 && log.pendingRecords < 20, `pending ${log.pendingRecords} stays under the byte bound`);
  t.equal(log.pendingRecords + log.droppedRecords, 100);
  log.close();
  t.equal(log.droppedRecords, 100, 'what close could not write is dropped');
});

t.test('after a write failure the log recovers and the chain says how many events were lost', async (t) => {
  const path = logPath();
  const errors: AuditLogError[] = [];
  const log = AuditLog.open({ path, maxSizeBytes: 400, maxFiles: 10, maxPendingBytes: 1000, onError: (err) => errors.push(err) });
  log.record(event(1));
  log.flush();
  // Rotation first drops PATH.10; a non-empty directory there makes it fail, even as root.
  mkdirSync(`${path}.10`);
  writeFileSync(join(`${path}.10`, 'keep'), '');
  log.record(event(2));
  log.flush();
  t.equal(errors.length, 1);
  t.equal(errors[0]?.code, 'SLUICE_AUDIT_WRITE');
  for (let n = 3; n <= 12; n++) log.record(event(n));
  log.flush();
  t.equal(errors.length, 1, 'one report for the whole streak');
  t.equal(log.writeErrors, 2);
  const dropped = log.droppedRecords;
  t.ok(dropped > 0, `${dropped} events dropped at the bound`);
  rmSync(`${path}.10`, { recursive: true });
  log.flush();
  t.equal(log.pendingRecords, 0, 'written once rotation works again');
  log.record(event(13));
  log.close();
  const files = rotatedSiblings(path);
  const report = verifyAuditFiles(files);
  t.ok(report.ok, report.problem?.message ?? 'the chain verifies');
  t.ok(report.fromGenesis);
  const marker = files.flatMap(records).find((r) => r.action === 'audit.dropped');
  t.ok(marker, 'a chained record of the loss');
  t.strictSame(marker?.detail, { count: dropped, reason: 'EISDIR' });
  t.equal(report.records, 12 - dropped + 2);
});

t.test('records still buffered when the process exits are flushed', async (t) => {
  const path = logPath();
  const module = new URL('../../src/auth/audit/audit-log.ts', import.meta.url).href;
  const script = `
    const { AuditLog } = await import(${JSON.stringify(module)});
    const log = AuditLog.open({ path: ${JSON.stringify(path)}, maxSizeBytes: 1000000, maxFiles: 1 });
    log.record({ actor: 'user:a', action: 'client.login', target: 'source:app', result: 'ok', source: null });
    process.exit(0);`;
  // The child loads TypeScript the way this test process does.
  const run = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], { encoding: 'utf8' });
  t.equal(run.status, 0, run.stderr);
  t.equal(records(path).length, 1);
  t.ok(verifyAuditFiles([path]).ok);
});
