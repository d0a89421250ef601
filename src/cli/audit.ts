/** `sluice audit verify FILE... | --all PATH`: check an audit log's hash chain offline. */
import { statSync } from 'node:fs';
import { rotatedSiblings } from '../auth/audit/audit-rotate.js';
import { verifyAuditFiles, type AuditProblem, type ChainAnchor, type VerifyReport } from '../auth/audit/audit-verify.js';
import { parseCommand, usageError } from './usage.js';

export function runAudit(args: string[]): number {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'verify') return usageError(subcommand === undefined ? 'audit needs a subcommand: verify' : `unknown audit subcommand "${subcommand}"`);
  const parsed = parseCommand(rest, { all: { type: 'string' }, anchor: { type: 'string', multiple: true } }, true);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if ((values.all === undefined) === (positionals.length === 0)) return usageError('audit verify takes FILE... (oldest first) or --all PATH, not both');
  const anchors: ChainAnchor[] = [];
  for (const text of values.anchor ?? []) {
    const anchor = parseAnchor(text);
    if (anchor === null) return usageError(`--anchor must be SEQ:HASH, e.g. 1234:<64 hex digits> as printed by a previous verify (got "${text}")`);
    anchors.push(anchor);
  }
  let paths = positionals;
  if (values.all !== undefined) {
    try {
      paths = rotatedSiblings(values.all);
    } catch (err) {
      process.stderr.write(`${values.all}: cannot list its directory: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const directory = paths.find(isDirectory);
  if (directory !== undefined) return usageError(`${directory} is a directory; give the log files, or --all PATH for a log and its rotated siblings`);
  const report = verifyAuditFiles(paths, { anchors });
  if (report.problem !== null) {
    process.stderr.write(`${describe(report.problem)}\n`);
    return 1;
  }
  process.stdout.write(`${summarize(report)}\n`);
  return 0;
}

function parseAnchor(text: string): ChainAnchor | null {
  const match = /^([1-9]\d*):([0-9a-f]{64})$/.exec(text);
  if (match === null || !Number.isSafeInteger(Number(match[1]))) return null;
  return { seq: Number(match[1]), hash: match[2] };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // a missing file is reported by the verifier, with the others
  }
}

/** "audit.jsonl:17: removed: seq 17 is missing …", as compilers print, so editors can jump to it. */
function describe(problem: AuditProblem): string {
  const where = problem.line === 0 ? problem.file : `${problem.file}:${problem.line}`;
  return `${where}: ${problem.kind}: ${problem.message}`;
}

/** "ok: 3 files, 1200 records, seq 1–1200 from the start of the chain; head 1200:<hash>" */
function summarize(report: VerifyReport): string {
  const files = report.files === 1 ? '1 file' : `${report.files} files`;
  if (report.first === null || report.head === null) return `ok: ${files}, no records`;
  const records = report.records === 1 ? '1 record' : `${report.records} records`;
  const start = report.fromGenesis ? 'from the start of the chain' : 'continuing a chain that starts in an earlier file';
  return `ok: ${files}, ${records}, seq ${report.first.seq}–${report.head.seq} ${start}; head ${report.head.seq}:${report.head.hash}`;
}
