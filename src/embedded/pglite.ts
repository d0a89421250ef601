/**
 * Runs the embedded PGlite of a source (`embedded: { kind: pglite }`) as a supervised child
 * process: started before the pools need it, restarted with backoff when it dies, stopped
 * with the gateway. The quick start uses it so that Sluice runs with no database installed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { EmbeddedConfig } from '../config/types.js';
import { SluiceError } from '../errors.js';
import { PGLITE_MAX_CONNECTIONS, isChildMessage } from './pglite-protocol.js';

export { PGLITE_MAX_CONNECTIONS };

export interface EmbeddedPglite {
  readonly port: number;
  /** Size the source's pool to at most this; more server connections would be refused. */
  readonly maxConnections: number;
  stop(): Promise<void>;
}

/** A fresh data directory runs initdb inside WASM: 5 s on an idle 2-core machine, 20 s on a busy one. */
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 30_000;
/** A child that stayed up this long counts as healthy again: the backoff starts over. */
const STABLE_AFTER_MS = 60_000;

// Same extension as this module, so that tests running the TypeScript sources fork the
// TypeScript child (fork passes on the loader in execArgv) and `dist/` forks the compiled one.
const CHILD_PATH = fileURLToPath(new URL(`./pglite-child${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

export class EmbeddedStartError extends SluiceError {
  constructor(message: string) { super('SLUICE_EMBEDDED_START', message); }
}

/** Resolves once PGlite accepts connections on 127.0.0.1:cfg.port; rejects if the first start fails. */
export async function startEmbeddedPglite(cfg: EmbeddedConfig, log: Logger): Promise<EmbeddedPglite> {
  const dataDir = cfg.data_dir === '' ? '' : resolve(cfg.data_dir);
  if (dataDir !== '') await mkdir(dataDir, { recursive: true });
  const supervisor = new PgliteSupervisor(cfg.port, dataDir, log.child({ component: 'pglite', port: cfg.port }));
  await supervisor.start();
  return { port: cfg.port, maxConnections: PGLITE_MAX_CONNECTIONS, stop: () => supervisor.stop() };
}

class PgliteSupervisor {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private backoffMs = RESTART_MIN_MS;

  constructor(private readonly port: number, private readonly dataDir: string, private readonly log: Logger) {}

  async start(): Promise<void> {
    const startedAt = Date.now();
    const child = fork(CHILD_PATH, ['--port', String(this.port), '--data-dir', this.dataDir], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    this.forwardOutput(child);
    await this.waitReady(child);
    this.log.info({ childPid: child.pid, dataDir: this.dataDir || 'memory' }, 'embedded PGlite ready');
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      if (Date.now() - startedAt >= STABLE_AFTER_MS) this.backoffMs = RESTART_MIN_MS;
      this.log.error({ code, signal, restartInMs: this.backoffMs }, 'embedded PGlite exited; restarting');
      this.scheduleRestart();
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  /** Waits the current backoff, then doubles it, so that a crash loop slows down. */
  private scheduleRestart(): void {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(delay * 2, RESTART_MAX_MS);
    this.restartTimer = setTimeout(() => {
      this.start().catch((err: unknown) => {
        if (this.stopping) return;
        this.log.error({ err }, 'embedded PGlite restart failed');
        this.scheduleRestart();
      });
    }, delay);
  }

  private waitReady(child: ChildProcess): Promise<void> {
    return new Promise((resolveReady, reject) => {
      const fail = (reason: string): void => {
        cleanup();
        child.kill('SIGKILL');
        reject(new EmbeddedStartError(`embedded PGlite on 127.0.0.1:${this.port} did not start: ${reason}`));
      };
      const onMessage = (message: unknown): void => {
        if (isChildMessage(message) && message.type === 'ready') {
          cleanup();
          resolveReady();
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
        fail(`child exited (code ${code}, signal ${signal}); is port ${this.port} in use, or data_dir locked by another process?`);
      const onError = (err: Error): void => fail(err.message);
      const timer = setTimeout(() => fail(`not ready after ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
      const cleanup = (): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.off('error', onError);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.once('error', onError);
    });
  }

  /** The child's own output and warnings become log lines of this component. */
  private forwardOutput(child: ChildProcess): void {
    child.on('message', (message: unknown) => {
      if (isChildMessage(message) && message.type === 'warning') this.log.warn(message.message);
    });
    if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => this.log.debug(line));
    if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => this.log.warn(line));
  }
}
