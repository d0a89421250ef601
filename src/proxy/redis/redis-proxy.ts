/**
 * Every Redis source of the gateway, each behind its own listener (RESP names no database
 * to route by). The gateway starts, reloads and stops them as one.
 */
import type { Logger } from 'pino';
import { NO_AUDIT, type AuditSink } from '../../auth/audit/index.js';
import type { ListenAddress, RedisSourceConfig, SluiceConfig } from '../../config/types.js';
import { Listener } from '../listener.js';
import { RedisSource } from './redis-source.js';

interface Running {
  readonly source: RedisSource;
  readonly listener: Listener;
  address: ListenAddress;
}

export class RedisProxy {
  readonly sources = new Map<string, Running>();
  private readonly log: Logger;

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

  /** Sources added or removed start or stop; kept ones take new settings (a new listen address needs a restart). */
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
      if (JSON.stringify(config.listen) !== JSON.stringify(running.source.config.listen)) {
        this.log.warn({ source: config.name }, 'a redis source\'s listen address changes at the next start');
      }
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
    await source.start();
    const listener = new Listener(`redis:${config.name}`, source, config.max_client_conn, this.log);
    const address = await listener.listen(config.listen);
    this.sources.set(config.name, { source, listener, address });
  }
}
