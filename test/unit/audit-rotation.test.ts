// Rotation by size on real files: the chain runs on across PATH.N … PATH.1 PATH, old files are
// dropped past maxFiles, and the verifier reports a missing or misplaced file as a broken link.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { AuditLog, type AuditEvent } from '../../src/auth/audit/audit-log.js';
import { parseRecord } from '../../src/auth/audit/audit-chain.js';
import { rotatedSiblings } from '../../src/auth/audit/audit-rotate.js';
import { verifyAuditFiles } from '../../src/auth/audit/audit-verify.js';

const ROOT = mkdtempSync(join(tmpdir(), 'sluice-audit-rotation-'));
t.teardown(() => rmSync(ROOT, { recursive: true, force: true }));

/** About 290 bytes a line, so 700 bytes hold two. */
const MAX_SIZE = 700;

function event(n: number): AuditEvent {
  return { actor: `token:bot${n}`, action: 'admin.pause', target: 'source:app', result: 'ok', source: '192.0.2.7:41000', detail: { n } };
}

function writeRotated(count: number, maxFiles: number): { path: string; log: AuditLog } {
  const path = join(mkdtempSync(join(ROOT, 'case-')), 'audit.jsonl');
  const log = AuditLog.open({ path, maxSizeBytes: MAX_SIZE, maxFiles });
  for (let n = 1; n <= count; n++) {
    log.record(event(n));
    if (n % 3 === 0) log.flush(); // batches of several lines, rotated in the middle
  }
  log.close();
  return { path, log };
}

function seqs(path: string): number[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => {
    const parsed = parseRecord(line);
    return parsed.ok ? parsed.record.seq : -1;
  });
}

t.test('the chain runs across rotated files, each within the size limit', async (t) => {
  const { path, log } = writeRotated(30, 50);
  const files = rotatedSiblings(path);
  t.ok(files.length >= 10, `${files.length} files`);
  t.equal(files.at(-1), path);
  t.equal(basename(files[0] ?? ''), `audit.jsonl.${files.length - 1}`, 'oldest first');
  for (const file of files) t.ok(statSync(file).size <= MAX_SIZE, `${basename(file)} is ${statSync(file).size} bytes`);
  t.strictSame(files.flatMap(seqs), Array.from({ length: 30 }, (_, i) => i + 1), 'seq runs on across files');
  const report = verifyAuditFiles(files);
  t.ok(report.ok, report.problem?.message ?? 'the chain verifies');
  t.equal(report.records, 30);
  t.ok(report.fromGenesis);
  t.strictSame(report.head, log.head());
});

t.test('past maxFiles the oldest are dropped; what is left verifies as a chain from an earlier file', async (t) => {
  const { path, log } = writeRotated(30, 3);
  t.strictSame(readdirSync(dirname(path)).sort(), ['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2', 'audit.jsonl.3']);
  const report = verifyAuditFiles(rotatedSiblings(path));
  t.ok(report.ok);
  t.notOk(report.fromGenesis);
  t.ok((report.first?.seq ?? 0) > 1);
  t.strictSame(report.head, log.head());
  const none = writeRotated(10, 0);
  t.strictSame(readdirSync(dirname(none.path)), ['audit.jsonl'], 'maxFiles 0 keeps only the live file');
  t.ok(verifyAuditFiles([none.path]).ok);
});

t.test('one rotated file alone verifies, and says the chain starts earlier', async (t) => {
  const { path } = writeRotated(30, 50);
  const report = verifyAuditFiles([`${path}.3`]);
  t.ok(report.ok);
  t.notOk(report.fromGenesis);
  t.ok((report.first?.seq ?? 0) > 1);
});

t.test('a missing middle file is a broken link between the files around it', async (t) => {
  const { path } = writeRotated(30, 50);
  const files = rotatedSiblings(path);
  const middle = Math.floor(files.length / 2);
  const without = files.filter((_, i) => i !== middle);
  const report = verifyAuditFiles(without);
  t.equal(report.problem?.kind, 'broken-link');
  t.equal(report.problem?.file, files[middle + 1]);
  t.equal(report.problem?.line, 1);
  t.match(report.problem?.message, /records? missing between the files/);
});

t.test('files given newest first are a broken link that says so', async (t) => {
  const { path } = writeRotated(12, 50);
  const report = verifyAuditFiles(rotatedSiblings(path).reverse());
  t.equal(report.problem?.kind, 'broken-link');
  t.match(report.problem?.message, 'out of order');
});

t.test('a restart right after a rotation continues from PATH.1', async (t) => {
  const path = join(mkdtempSync(join(ROOT, 'case-')), 'audit.jsonl');
  const first = AuditLog.open({ path, maxSizeBytes: 1_000_000, maxFiles: 5 });
  for (let n = 1; n <= 3; n++) first.record(event(n));
  first.close();
  // As if the process stopped between moving the full file away and writing the next line.
  renameSync(path, `${path}.1`);
  const second = AuditLog.open({ path, maxSizeBytes: 1_000_000, maxFiles: 5 });
  t.ok(existsSync(path));
  t.strictSame(second.head(), first.head());
  second.record(event(4));
  second.close();
  t.strictSame(seqs(path), [4]);
  const report = verifyAuditFiles(rotatedSiblings(path));
  t.ok(report.ok);
  t.equal(report.records, 4);
});
