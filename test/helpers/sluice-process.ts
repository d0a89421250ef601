/**
 * The real `sluice` binary (dist/cli/main.js, built by `npm test` before tap) as a child
 * process, for end-to-end tests: a temporary YAML config, an ephemeral port (the listener
 * binds 127.0.0.1:0 and Sluice logs the address it got), a wait until it accepts
 * connections, and a stop by SIGTERM whose exit code the test asserts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PG_HOST, PG_PORT } from './postgres.js';

export const SLUICE_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** The machine's pgbench role and database (see .ci/run). */
export const BENCH_USER = 'bench';
export const BENCH_PASSWORD = 'bench';
export const BENCH_DATABASE = 'bench';

export interface SluiceProcessOptions {
  /** Name clients use as dbname; defaults to "bench". */
  source?: string;
  database?: string;
  user?: string;
  password?: string;
  auth?: 'scram-sha-256' | 'md5' | 'trust';
  mode?: 'session' | 'transaction' | 'statement';
  size?: number;
  /** Client connections allowed to the source (and to the listener). */
  maxClientConn?: number;
  /** Further pool settings, e.g. { query_wait_timeout: '30s' }. */
  pool?: Record<string, string | number>;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  shutdownTimeout?: string;
  /** How long to wait for the listener; default 15 s. */
  startTimeoutMs?: number;
  /**
   * Keep tap's process-info hook (NODE_OPTIONS) so the child's coverage counts; default true.
   * Load tests turn it off: V8 block coverage slows the forwarding loop.
   */
  instrument?: boolean;
  /** Top-level YAML appended to the generated config, e.g. an admin or audit section. */
  extraYaml?: string;
  /** A whole configuration to start with instead of the generated one (its listener must bind 127.0.0.1:0). */
  configText?: string;
}

export interface LogEntry { level: number; msg: string; [key: string]: unknown }

export interface SluiceProcess {
  readonly child: ChildProcess;
  readonly host: string;
  readonly port: number;
  readonly source: string;
  readonly user: string;
  readonly password: string;
  /** The YAML Sluice was started with. */
  readonly config: string;
  /** postgres://user:password@127.0.0.1:port/source */
  url(): string;
  /** libpq environment for psql and pgbench (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE). */
  env(): NodeJS.ProcessEnv;
  /** http://host:port of the admin port, when the config has one (from its 'listening' log line). */
  adminUrl(): string;
  /** Every JSON log line so far. */
  logs(): LogEntry[];
  /** Lines of standard output that were not JSON, and all of standard error. */
  noise(): string;
  /**
   * SIGTERM, then wait for the exit (SIGKILL after `timeoutMs`). Resolves with the exit code
   * and signal; a killed process reports code null. Idempotent.
   */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }>;
}

/** A shell prefix: raise the soft open-files limit to 65536, or to the hard limit if lower. */
export const RAISE_NOFILE = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true';

/** The environment without tap's hooks for child node processes. */
function uninstrumented(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  delete env['NODE_V8_COVERAGE'];
  for (const key of Object.keys(env)) if (key.startsWith('_TAPJS_PROCESSINFO')) delete env[key];
  return env;
}

const running = new Set<ChildProcess>();
// A test that crashed before its teardown must not leave a Sluice behind.
process.once('exit', () => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function flow(map: Record<string, string | number>): string {
  return Object.entries(map).map(([k, v]) => `${k}: ${typeof v === 'number' ? v : JSON.stringify(v)}`).join(', ');
}

export function sluiceConfig(o: SluiceProcessOptions = {}): string {
  const source = o.source ?? BENCH_DATABASE;
  const maxClientConn = o.maxClientConn ?? 5000;
  const pool = { mode: o.mode ?? 'transaction', size: o.size ?? 10, max_client_conn: maxClientConn, ...o.pool };
  return `
listeners:
  postgres: { listen: "127.0.0.1:0", max_client_conn: ${Math.max(maxClientConn, 100)} }
sources:
  ${source}:
    kind: postgres
    database: ${o.database ?? BENCH_DATABASE}
    auth: ${o.auth ?? 'scram-sha-256'}
    pool: { ${flow(pool)} }
    hosts:
      - { host: ${PG_HOST}, port: ${PG_PORT}, role: primary }
    users:
      - { name: ${o.user ?? BENCH_USER}, password: ${JSON.stringify(o.password ?? BENCH_PASSWORD)} }
log:
  level: ${o.logLevel ?? 'info'}
shutdown_timeout: ${o.shutdownTimeout ?? '5s'}
${o.extraYaml ?? ''}`;
}

export async function startSluiceProcess(o: SluiceProcessOptions = {}): Promise<SluiceProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-'));
  const file = join(dir, 'sluice.yaml');
  const config = o.configText ?? sluiceConfig(o);
  writeFileSync(file, config);

  // Through sh so the open-files limit is as high as allowed (CI raises it; 1000 clients need it);
  // exec keeps the pid, so signals reach Sluice itself.
  const child = spawn('/bin/sh', ['-c', `${RAISE_NOFILE}; exec "$0" "$@"`, process.execPath, SLUICE_MAIN, 'start', '--config', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: o.instrument === false ? uninstrumented() : process.env,
  });
  running.add(child);
  const entries: LogEntry[] = [];
  let noise = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { noise += s; });
  let onEntry: ((e: LogEntry) => void) | null = null;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let entry: LogEntry;
    try {
      entry = JSON.parse(line) as LogEntry;
    } catch {
      noise += line + '\n';
      return;
    }
    entries.push(entry);
    onEntry?.(entry);
  });
  // 'close', not 'exit': the last log lines are read by then.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      running.delete(child);
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, signal });
    });
  });

  const startTimeout = o.startTimeoutMs ?? 15_000;
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sluice did not log its listening address within ${startTimeout} ms`)), startTimeout);
      const found = (e: LogEntry): void => {
        if (e.msg !== 'listening' || e['listener'] !== 'postgres' || typeof e['address'] !== 'string') return;
        clearTimeout(timer);
        resolve(Number(e['address'].slice(e['address'].lastIndexOf(':') + 1)));
      };
      for (const e of entries) found(e);
      onEntry = found;
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`sluice exited during start (code ${code}, signal ${signal})`));
      });
    });
    onEntry = null;
    await waitForAccept(PG_HOST, port, startTimeout);
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    throw new Error(`${(err as Error).message}\nconfig:${config}\nlog:\n${entries.map((e) => JSON.stringify(e)).join('\n')}\n${noise}`);
  }

  const source = o.source ?? BENCH_DATABASE;
  const user = o.user ?? BENCH_USER;
  const password = o.password ?? BENCH_PASSWORD;
  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }> | null = null;
  return {
    child, host: PG_HOST, port, source, user, password, config,
    url: () => `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${PG_HOST}:${port}/${encodeURIComponent(source)}`,
    env: () => ({ ...process.env, PGHOST: PG_HOST, PGPORT: String(port), PGUSER: user, PGPASSWORD: password, PGDATABASE: source }),
    logs: () => entries,
    noise: () => noise,
    adminUrl() {
      const line = entries.find((e) => e.msg === 'listening' && e['listener'] === 'admin');
      if (line === undefined || typeof line['address'] !== 'string') throw new Error('this Sluice has no admin port (add an admin section with extraYaml)');
      return `http://${line['address']}`;
    },
    stop(timeoutMs = 15_000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return { ...(await exited), killed: false };
        child.kill('SIGTERM');
        let killed = false;
        const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, timeoutMs);
        const result = await exited;
        clearTimeout(timer);
        return { ...result, killed };
      })();
      return stopping;
    },
  };
}

/** Resolves once a TCP connection to host:port succeeds (and closes it at once). */
async function waitForAccept(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port }, () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() >= deadline) throw new Error(`sluice did not accept connections on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Run a program to completion with a hard time limit (SIGKILL when over). */
export interface RunResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; timedOut: boolean; ms: number }

export function runProgram(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs: number; cwd?: string }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(file, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '', stderr = '', timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs);
    child.once('error', (err) => { clearTimeout(timer); running.delete(child); reject(err); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}
