// Runs `sluice start` from dist/ (built by `npm test` before tap) and drives it with signals.
// The backend address is closed on purpose: with min_size 0 Sluice must start without it.
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

const CONFIG = `
listeners:
  postgres: { listen: 127.0.0.1:0 }
sources:
  bench:
    kind: postgres
    pool: { size: 20 }
    hosts: [{ host: 127.0.0.1, port: 1 }]
    users: [{ name: bench, password: bench }]
shutdown_timeout: 5s
`;

interface LogEntry { msg: string; [key: string]: unknown }

/** Start Sluice on `file`; `next(match)` resolves with the first log entry (past or future) that matches. */
function startSluice(file: string) {
  const child = spawn(process.execPath, [MAIN, 'start', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const entries: LogEntry[] = [];
  const waiters: { match: (e: LogEntry) => boolean; resolve: (e: LogEntry) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const entry = JSON.parse(line) as LogEntry;
    entries.push(entry);
    for (const waiter of waiters.filter((w) => w.match(entry))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(entry);
    }
  });
  let seen = 0;
  /** Entries are consumed in order, so a later wait never matches an earlier line again. */
  function next(match: (e: LogEntry) => boolean): Promise<LogEntry> {
    const index = entries.findIndex((e, i) => i >= seen && match(e));
    if (index >= 0) {
      seen = index + 1;
      return Promise.resolve(entries[index] as LogEntry);
    }
    return new Promise((resolve) => waiters.push({ match, resolve: (e) => { seen = entries.indexOf(e) + 1; resolve(e); } }));
  }
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, next, exited, stderr: () => stderr };
}

t.test('start, reload on SIGHUP, keep running on a bad reload, drain on SIGTERM', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, CONFIG);
  const sluice = startSluice(file);
  t.teardown(() => { if (sluice.child.exitCode === null) sluice.child.kill('SIGKILL'); });

  const started = await sluice.next((e) => e.msg.startsWith('sluice started'));
  t.match(started.msg, 'sluice started: 1 source, listeners: postgres 127.0.0.1:0');

  sluice.child.kill('SIGHUP');
  t.ok(await sluice.next((e) => e.msg === 'reload: no changes'), 'an unchanged file changes nothing');

  writeFileSync(file, CONFIG.replace('size: 20', 'size: 30'));
  sluice.child.kill('SIGHUP');
  const reloaded = await sluice.next((e) => e.msg === 'configuration reloaded' && 'changes' in e);
  t.strictSame(reloaded['changes'], ['sources.bench.pool.size: 20 → 30']);

  writeFileSync(file, CONFIG.replace('size: 20', 'size: lots'));
  sluice.child.kill('SIGHUP');
  const rejected = await sluice.next((e) => e.msg.startsWith('reload rejected'));
  t.strictSame(rejected['issues'], ['sources.bench.pool.size: must be an integer ≥ 1 (got "lots")']);

  sluice.child.kill('SIGTERM');
  const shutting = await sluice.next((e) => e.msg.startsWith('shutting down'));
  t.equal(shutting['timeout_ms'], 5000, 'the shutdown timeout of the running configuration');
  const [code] = await sluice.exited;
  t.equal(code, 0);
  t.ok(await sluice.next((e) => e.msg === 'stopped'));
  t.equal(sluice.stderr(), '');
});
