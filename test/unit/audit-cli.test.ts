// `sluice audit verify` as a process: runs src/cli/main.ts with the TypeScript loader this test
// runs under (no build needed), on logs written by the real writer in a temporary directory.
// Usage errors are checked in-process through runAudit, which main.ts dispatches to.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditLog } from '../../src/auth/audit/audit-log.js';
import { runAudit } from '../../src/cli/audit.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const ROOT = mkdtempSync(join(tmpdir(), 'sluice-audit-cli-'));
t.teardown(() => rmSync(ROOT, { recursive: true, force: true }));

function sluice(...args: string[]) {
  const run = spawnSync(process.execPath, [...process.execArgv, MAIN, ...args], { encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function writeLog(count: number, maxSizeBytes = 1_000_000): { path: string; head: { seq: number; hash: string } } {
  const path = join(mkdtempSync(join(ROOT, 'case-')), 'audit.jsonl');
  const log = AuditLog.open({ path, maxSizeBytes, maxFiles: 10 });
  for (let n = 1; n <= count; n++) {
    log.record({ actor: `user:u${n}`, action: 'client.login', target: 'source:app', result: 'ok', source: '127.0.0.1:6000' });
    log.flush();
  }
  log.close();
  return { path, head: log.head() };
}

t.test('an intact log: exit 0 and one line with the head to anchor', async (t) => {
  const { path, head } = writeLog(5);
  const run = sluice('audit', 'verify', path);
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout, `ok: 1 file, 5 records, seq 1–5 from the start of the chain; head 5:${head.hash}\n`);
  t.equal(run.stderr, '');
  const anchored = sluice('audit', 'verify', '--anchor', `5:${head.hash}`, path);
  t.equal(anchored.code, 0, anchored.stderr);
});

t.test('--all takes the rotated siblings oldest first', async (t) => {
  const { path, head } = writeLog(9, 700);
  const run = sluice('audit', 'verify', '--all', path);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, new RegExp(`^ok: \\d+ files, 9 records, seq 1–9 from the start of the chain; head 9:${head.hash}\\n$`));
  const rotated = sluice('audit', 'verify', `${path}.1`);
  t.equal(rotated.code, 0);
  t.match(rotated.stdout, 'continuing a chain that starts in an earlier file');
});

t.test('a tampered log: exit 1 naming file, line and what happened', async (t) => {
  const { path, head } = writeLog(5);
  const lines = readFileSync(path, 'utf8').split('\n');
  writeFileSync(path, lines.map((line, i) => (i === 2 ? line.replace('user:u3', 'user:u9') : line)).join('\n'));
  const edited = sluice('audit', 'verify', path);
  t.equal(edited.code, 1);
  t.equal(edited.stdout, '');
  t.match(edited.stderr, `${path}:3: edited: seq 3: the hash does not match the content`);

  writeFileSync(path, lines.slice(0, 3).join('\n') + '\n');
  const truncated = sluice('audit', 'verify', '--anchor', `5:${head.hash}`, path);
  t.equal(truncated.code, 1);
  t.match(truncated.stderr, `${path}:3: anchor: the chain ends at seq 3`);
});

t.test('usage errors exit 2', async (t) => {
  const { path } = writeLog(1);
  for (const args of [
    ['audit'],
    ['audit', 'frob'],
    ['audit', 'verify'],
    ['audit', 'verify', '--all', path, path],
    ['audit', 'verify', '--anchor', '5:nothex', path],
    ['audit', 'verify', '--frob', path],
    ['audit', 'verify', ROOT],
  ]) {
    // In this process (a spawn costs a second): usage goes to stderr, the code is returned.
    const stderr = t.capture(process.stderr, 'write', () => true);
    const code = runAudit(args.slice(1));
    stderr.restore();
    t.equal(code, 2, `sluice ${args.join(' ')}`);
    t.match(stderr.args().map(([chunk]) => String(chunk)).join(''), 'Usage:');
  }
  const spawned = sluice('audit', 'verify');
  t.equal(spawned.code, 2, 'and as the exit status of the command');
  t.match(sluice('--help').stdout, 'sluice audit verify FILE...');
});
