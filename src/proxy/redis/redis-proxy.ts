/**
 * Every Redis source of the gateway, each behind its own listener (RESP names no database
 * to route by). The gateway starts, reloads and stops them as one.
 */
import type { Logger } from 'pino';
import { NO_AUDIT, type AuditSink } from '../../auth/audit/index.js';
import type { LoginGuard } from '../../auth/login-guard.js';
import type { ListenAddress, RedisSourceConfig, SluiceConfig } from '../../config/types.js';
import { Listener } from '../listener.js';
import { RedisSource } from './redis-source.js';

interface Running {
  readonly source: RedisSource;
  listener: Listener;
  /** As configured (port 0 stays 0), to tell a changed `listen` at reload. */
  listen: ListenAddress;
  /** As bound. */
  address: ListenAddress;
}

export class RedisProxy {
  readonly sources = new Map<string, Running>();
  private readonly log: Logger;

  /** The gateway's brute-force protection, handed to each source's AUTH. */
  loginGuard: LoginGuard | undefined;

  constructor(log: Logger, private readonly audit: AuditSink = NO_AUDIT) {
    this.log = log;
  }

  static configs(config: SluiceConfig): RedisSourceConfig[] {
    return Object.values(config.sources).filter((s) => s.kind === 'redis');
  }

  /** Where source `name` listens (its real port when configured as 0). */
  address(name: string): ListenAddress | null {
    return this.sources.get(name)?.address ?? null;
  }

  async start(configs: readonly RedisSourceConfig[]): Promise<void> {
    for (const config of configs) await this.add(config);
  }

  /** Sources added or removed start or stop; kept ones take new settings and move to a new listen address. */
  async reload(configs: readonly RedisSourceConfig[]): Promise<void> {
    for (const [name, running] of this.sources) {
      if (configs.some((c) => c.name === name)) continue;
      this.sources.delete(name);
      running.listener.stop();
      void running.source.close(Date.now());
    }
    for (const config of configs) {
      const running = this.sources.get(config.name);
      if (running === undefined) {
        await this.add(config);
        continue;
      }
      if (config.listen.host !== running.listen.host || config.listen.port !== running.listen.port) await this.rebind(running, config);
      running.source.reload(config);
      running.listener.maxConnections = config.max_client_conn;
    }
  }

  stopAccepting(): void {
    for (const r of this.sources.values()) r.listener.stop();
  }

  async close(deadline: number): Promise<void> {
    this.stopAccepting();
    await Promise.all([...this.sources.values()].map((r) => r.source.close(deadline)));
    this.sources.clear();
  }

  private async add(config: RedisSourceConfig): Promise<void> {
    const source = new RedisSource(config, this.log, this.audit);
    source.loginGuard = this.loginGuard;
    await source.start();
    const listener = new Listener(`redis:${config.name}`, source, config.max_client_conn, this.log);
    const address = await listener.listen(config.listen);
    this.sources.set(config.name, { source, listener, listen: config.listen, address });
  }

  /**
   * Listen on the new address first, then stop the old listener: clients connected through it
   * keep their connections. When the new address cannot be bound (in use, or overlapping the
   * old one, as 0.0.0.0 on the same port), the source stays where it was and the next reload tries again.
   */
  private async rebind(running: Running, config: RedisSourceConfig): Promise<void> {
    // Port 0 written down as the port it got: already there.
    if (config.listen.host === running.address.host && config.listen.port === running.address.port) {
      running.listen = config.listen;
      return;
    }
    const listener = new Listener(`redis:${config.name}`, running.source, config.max_client_conn, this.log);
    const to = `${config.listen.host}:${config.listen.port}`;
    try {
      running.address = await listener.listen(config.listen);
    } catch (err) {
      listener.stop();
      this.log.error({ err, source: config.name, listen: to }, 'cannot listen on the redis source\'s new address; it keeps the old one');
      return;
    }
    running.listener.stop();
    running.listener = listener;
    running.listen = config.listen;
    this.log.info({ source: config.name, listen: to }, 'redis source moved to its new listen address');
  }
}
