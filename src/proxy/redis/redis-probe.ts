/**
 * Redis's health probe: one kept connection per host, asked PING and ROLE in one pipelined
 * write. The latency is PING's round trip; ROLE tells a primary ("master") from a replica
 * ("slave"). A failed or aborted probe closes the connection, so a late reply is never read
 * as the next probe's answer.
 */
import type { Logger } from 'pino';
import type { RedisServerCredentials } from '../../config/types.js';
import { Prober, type ProbeFn } from '../../health/prober.js';
import type { ProbeResult } from '../../health/types.js';
import { KeptConnections } from '../../health/kept-connections.js';
import type { HostSet, RoutedHost } from '../../router/host-set.js';
import { encodeCommand } from './encode.js';
import { readLeadingBulks } from './read-bulks.js';
import { RedisServerConnection } from './server-connection.js';

const PING = encodeCommand(['PING']);
const ROLE = encodeCommand(['ROLE']);

export const REDIS_PROBE_INTERVAL_MS = 2000;
export const REDIS_PROBE_TIMEOUT_MS = 1000;

export class RedisProbe {
  private readonly kept = new KeptConnections<RoutedHost, RedisServerConnection>((host) => this.open(host));
  private prober: Prober<RoutedHost> | null = null;

  constructor(
    private readonly sourceName: string,
    private readonly credentials: () => RedisServerCredentials | undefined,
    private readonly log: Logger,
  ) {}

  readonly probe: ProbeFn<RoutedHost> = (host, signal) => this.kept.probe(host, signal, async (conn) => {
    const started = performance.now();
    let latencyMs = 0;
    const [, role] = await Promise.all([
      conn.request(PING).then(() => { latencyMs = performance.now() - started; }),
      conn.request(ROLE),
    ]);
    return parseRole(role, latencyMs);
  });

  /** Probe these hosts from now on; a source's new HostSet (reload, failover) replaces the old one. */
  watch(hosts: HostSet): void {
    void this.prober?.stop();
    this.close();
    for (const h of hosts.hosts) {
      h.health.listen({
        stateChanged: (_, from, to, reason) => this.log[to === 'down' ? 'warn' : 'info']({ host: h.key, from, to, reason }, 'host health changed'),
        roleChanged: (_, from, to, reason) => this.log.warn({ host: h.key, from, to, reason }, 'host role changed'),
      });
    }
    this.prober = new Prober(hosts.hosts.map((h) => ({ host: h, health: h.health })), this.probe, { intervalMs: REDIS_PROBE_INTERVAL_MS, timeoutMs: REDIS_PROBE_TIMEOUT_MS });
    this.prober.start();
  }

  async stop(): Promise<void> {
    await this.prober?.stop();
    this.prober = null;
    this.close();
  }

  private close(): void {
    this.kept.closeAll('source closed');
  }

  private open(host: RoutedHost): Promise<RedisServerConnection> {
    return RedisServerConnection.connect({
      host, version: 2, credentials: this.credentials(), name: `sluice-${this.sourceName}-probe`, timeoutMs: REDIS_PROBE_TIMEOUT_MS, log: this.log,
    });
  }
}

/** ROLE's first element: master, slave (a replica, whatever its link state) or sentinel. */
export function parseRole(reply: Buffer, latencyMs: number): ProbeResult {
  const [role] = readLeadingBulks(reply, 1);
  return { latencyMs, inRecovery: role === 'slave' ? true : role === 'master' ? false : null, lagSeconds: null };
}
