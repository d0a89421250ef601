/** Processes for the benchmarks: one-shot commands, long-running services, ports. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command to completion; a non-zero exit is a result, not an exception. */
export function runCommand(file: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** A long-running server process in its own process group, its output kept in a log file. */
export class Service {
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(readonly name: string, file: string, args: string[], readonly logFile: string) {
    const log = createWriteStream(logFile);
    // detached: its own process group, so stop() also reaches what a wrapper (runuser) started.
    this.child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get pid(): number | undefined { return this.child.pid; }

  get alive(): boolean { return this.child.exitCode === null && this.child.signalCode === null; }

  /** The first line of the log that looks like an error, else its last line. */
  async failure(): Promise<string> {
    const lines = (await readFile(this.logFile, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim() !== '');
    return lines.find((l) => /error|fatal|cannot|failed/i.test(l)) ?? lines.at(-1) ?? `${this.name} exited without output`;
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.alive || this.child.pid === undefined) return;
    const group = -this.child.pid;
    process.kill(group, 'SIGTERM');
    const timer = setTimeout(() => { try { process.kill(group, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A pooler under test: its service, and the pid whose memory counts (not a wrapper's). */
export interface RunningPooler {
  service: Service;
  pid: number;
  /** Sluice's admin HTTP port; absent for PgBouncer. */
  adminPort?: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Resolves once 127.0.0.1:port accepts a TCP connection; rejects if `service` dies first or
 * takes too long, and then stops it, since the caller only gets the error to hold on to.
 */
export async function waitForPort(port: number, service: Service, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!service.alive) throw new Error(`${service.name} exited: ${await service.failure()}`);
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await service.stop();
  throw new Error(`${service.name} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms: ${await service.failure()}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** Resident memory of a process in KiB, from /proc (VmRSS). */
export async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
}
