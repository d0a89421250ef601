/**
 * `sluice start`: run the gateway and own the process around it: signals, reloads, exit codes.
 * SIGTERM/SIGINT drain (a second one exits at once), SIGHUP reloads the same file.
 */
import { constants } from 'node:os';
import type { Logger } from 'pino';
import { ConfigError } from '../errors.js';
import { Gateway } from '../gateway.js';
import { LiveConfig } from '../config/live-config.js';
import { SecretRefresher } from '../auth/secrets/secret-refresher.js';
import { setPreviousValueSource } from '../auth/secrets/previous-credential.js';
import { diffConfig } from '../config/diff.js';
import { LOG_LEVELS } from '../config/schema.js';
import type { LogConfig, SluiceConfig } from '../config/types.js';
import { createLogger } from '../log.js';
import { summarize } from './check-config.js';
import { parseCommand, reportConfigError, usageError } from './usage.js';

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  pretty: { type: 'boolean' },
  'log-level': { type: 'string' },
} as const;

/** Resolves to an exit code if Sluice could not start, or undefined once it is running. */
export async function runStart(args: string[]): Promise<number | undefined> {
  const parsed = parseCommand(args, OPTIONS);
  if (typeof parsed === 'number') return parsed;
  const { config: file, pretty = false, 'log-level': levelFlag } = parsed.values;
  if (file === undefined) return usageError('start needs --config FILE');
  if (levelFlag !== undefined && !isLogLevel(levelFlag)) return usageError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${levelFlag}")`);

  let live: LiveConfig;
  try {
    live = await LiveConfig.open(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    reportConfigError(file, err);
    return 1;
  }

  const config = live.config;
  setPreviousValueSource((password) => live.previousValue(password));
  const log = createLogger({ level: levelFlag ?? config.log.level, pretty });
  const gateway = new Gateway(config, log);
  const lifecycle = new Lifecycle(file, live, gateway, log, levelFlag === undefined);
  lifecycle.listen();
  gateway.reloadHandler = lifecycle.reloadForAdmin;
  try {
    await gateway.start();
  } catch (err) {
    log.fatal({ err }, 'could not start');
    await gateway.shutdown(0).catch((shutdownErr: unknown) => log.error({ err: shutdownErr }, 'cleanup after the failed start failed'));
    lifecycle.unlisten();
    return 1;
  }
  lifecycle.linkConsole();
  lifecycle.refreshSecrets();
  log.info({ file }, `sluice started: ${summarize(config)}`);
  return undefined;
}

function isLogLevel(level: string): level is LogConfig['level'] {
  return (LOG_LEVELS as readonly string[]).includes(level);
}

/** Signal handling for one running gateway; reloads are serialized so two SIGHUPs never race. */
class Lifecycle {
  private stopping = false;
  private reloads: Promise<void> = Promise.resolve();
  private config: SluiceConfig;
  /** Re-resolves secret references when they are due, through the same serialized reload path. */
  private readonly refresher: SecretRefresher;
  private readonly onStop = (signal: NodeJS.Signals) => this.stop(signal);
  private readonly onReload = () => {
    if (!this.stopping) this.reloads = this.reloads.then(() => this.reload());
  };

  constructor(
    private readonly file: string,
    private readonly live: LiveConfig,
    private readonly gateway: Gateway,
    private readonly log: Logger,
    /** False when --log-level was given: the flag wins over log.level on reload too. */
    private readonly levelFromConfig: boolean,
  ) {
    this.config = live.config;
    this.refresher = new SecretRefresher({
      due: () => this.live.nextRefreshAt(),
      run: () => {
        const run = this.reloads.then(() => this.applySecrets());
        this.reloads = run.then(() => undefined, () => undefined);
        return run;
      },
      log: this.log,
    });
  }

  refreshSecrets(): void {
    this.refresher.start();
  }

  listen(): void {
    process.on('SIGTERM', this.onStop).on('SIGINT', this.onStop).on('SIGHUP', this.onReload);
  }

  /** The console's RELOAD and SHUTDOWN do what SIGHUP and SIGTERM do. */
  linkConsole(): void {
    const link = this.gateway.postgres?.console;
    if (link === undefined) return;
    link.reload = () => {
      this.onReload();
      return this.reloads;
    };
    link.shutdown = () => this.stop('SIGTERM');
  }

  unlisten(): void {
    process.off('SIGTERM', this.onStop).off('SIGINT', this.onStop).off('SIGHUP', this.onReload);
  }

  private stop(signal: NodeJS.Signals): void {
    if (this.stopping) {
      this.log.warn({ signal }, 'second signal: exiting without waiting for transactions in flight');
      process.exit(128 + constants.signals[signal]);
    }
    this.stopping = true;
    this.refresher.stop();
    const timeoutMs = this.config.shutdown_timeout;
    this.log.info({ signal, timeout_ms: timeoutMs }, 'shutting down: no new clients, waiting for transactions in flight');
    this.gateway.shutdown(timeoutMs).then(
      () => {
        this.log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        this.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  }

  /** SIGHUP: a rejected or failed reload is logged and the running configuration stays. */
  private async reload(): Promise<void> {
    try {
      await this.apply();
    } catch {
      // apply() has logged why.
    }
  }

  /** POST /v1/reload: the same reload, in turn with signals, with the outcome for the caller. */
  readonly reloadForAdmin = (): Promise<string[]> => {
    const run = this.reloads.then(() => this.apply());
    this.reloads = run.then(() => undefined, () => undefined);
    return run;
  };

  /** Re-read the file and apply it; resolves to the changes, rejects (after logging) when refused. */
  private async apply(): Promise<string[]> {
    let next: SluiceConfig;
    try {
      next = await this.live.reread();
    } catch (err) {
      const issues = err instanceof ConfigError ? err.issues : [String(err)];
      this.log.error({ file: this.file, issues }, 'reload rejected; the running configuration stays');
      throw err;
    }
    const changes = diffConfig(this.config, next);
    if (changes.length === 0) {
      this.log.info({ file: this.file }, 'reload: no changes');
      return changes;
    }
    try {
      await this.gateway.reload(next);
    } catch (err) {
      this.log.error({ err, changes }, 'reload failed; the running configuration stays');
      throw err;
    }
    this.config = next;
    if (this.levelFromConfig) this.log.level = next.log.level;
    this.log.info({ file: this.file, changes }, 'configuration reloaded');
    this.refresher.rearm();
    return changes;
  }

  /**
   * Secret references due again: the new values go through gateway.reload like a SIGHUP, so
   * pools whose credentials changed retire their connections as transactions end.
   */
  private async applySecrets(): Promise<void> {
    if (this.stopping) return;
    const next = await this.live.refresh();
    const changes = diffConfig(this.config, next);
    if (changes.length === 0) {
      this.log.debug('secret refresh: no changes');
      return;
    }
    await this.gateway.reload(next);
    this.config = next;
    this.log.info({ changes }, 'secrets refreshed');
  }
}
