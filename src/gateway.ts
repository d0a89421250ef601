/**
 * The running Sluice: listeners, pools and sources built from one SluiceConfig.
 * The CLI owns process concerns (signals, exit codes); the gateway owns connections.
 */
import type { Logger } from 'pino';
import type { SluiceConfig } from './config/types.js';

export class Gateway {
  config: SluiceConfig;
  readonly log: Logger;

  constructor(config: SluiceConfig, log: Logger) {
    this.config = config;
    this.log = log;
  }

  /** Bind listeners and start pools. Backends that are down are not fatal: pools keep retrying. */
  async start(): Promise<void> {
    throw new Error('Gateway.start is being written in this change');
  }

  /** Apply pool sizes, timeouts and users from a new config without dropping clients. */
  async reload(config: SluiceConfig): Promise<void> {
    this.config = config;
  }

  /** Stop accepting, let transactions in flight finish up to timeoutMs, then close everything. */
  async shutdown(timeoutMs: number): Promise<void> {
    void timeoutMs;
  }
}
