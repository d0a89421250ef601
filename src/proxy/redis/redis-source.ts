/**
 * One Redis source at run time: its listener's acceptor, the shared connections (one group
 * per RESP version), the pool of dedicated connections, the subscriber hub and its clients.
 */
import type net from 'node:net';
import type { Logger } from 'pino';
import type { AuditSink } from '../../auth/audit/index.js';
import type { LoginGuard } from '../../auth/login-guard.js';
import type { HostConfig, RedisSourceConfig } from '../../config/types.js';
import { Pool } from '../../pool/pool.js';
import type { Connector, HostTarget } from '../../pool/types.js';
import { HostSet, type RoutedHost } from '../../router/host-set.js';
import { errorReply, type RespVersion } from '../../wire/redis/index.js';
import type { ProtocolAcceptor } from '../listener.js';
import { RedisClientSession } from './client-session.js';
import type { RedisSourceContext, RedisSourceStats } from './context.js';
import { encodeCommand } from './encode.js';
import { RedisServerConnection } from './server-connection.js';
import { SharedGroup } from './shared-group.js';
import { SubscriberHub } from './subscriber-hub.js';
import { SentinelWatch } from './sentinel-watch.js';
import { HostSignals } from './host-signals.js';
import { RedisProbe } from './redis-probe.js';

const RESET = encodeCommand(['RESET']);
const PING = encodeCommand(['PING']);

export class RedisSource implements RedisSourceContext, ProtocolAcceptor {
  config: RedisSourceConfig;
  readonly log: Logger;
  hosts: HostSet;
  readonly dedicated: Pool<RedisServerConnection>;
  readonly hub: SubscriberHub;
  readonly clients = new Set<RedisClientSession>();
  readonly stats: RedisSourceStats = { commands: 0, refused: 0, dedicatedLeases: 0, protocolErrors: 0, outputLimitCloses: 0 };
  /** Passive health signals and the last connect per host (up, lastError in /v1/hosts). */
  readonly signals = new HostSignals();
  /** PING latency and ROLE of every host, into the same HostHealth PostgreSQL hosts use. */
  private readonly probe: RedisProbe;
  /** Shared connections by RESP version and role ("2:primary", "3:replica"...). */
  private readonly groups = new Map<string, SharedGroup>();
  private learntVersion = '';
  /** The primary the sentinels named; null without sentinel or until they answer. */
  private primary: { host: string; port: number } | null = null;
  private sentinel: SentinelWatch | null = null;

  /** Set by RedisProxy: the gateway's brute-force protection. */
  loginGuard: LoginGuard | undefined;

  constructor(config: RedisSourceConfig, log: Logger, readonly audit: AuditSink) {
    this.config = config;
    this.log = log.child({ source: config.name });
    this.hosts = new HostSet(hostConfigs(config, null));
    this.probe = new RedisProbe(config.name, () => this.config.server, this.log);
    this.probe.watch(this.hosts);
    this.dedicated = new Pool({
      name: `${config.name}/dedicated`,
      options: this.poolOptions(),
      connector: this.connector(),
      pickHost: () => this.hosts.pick('primary'),
      log: this.log,
    });
    this.hub = new SubscriberHub({
      sourceName: config.name,
      pickHost: () => this.hosts.pick('primary'),
      credentials: () => this.config.server,
      connectTimeoutMs: () => this.config.pool.server_connect_timeout,
      retryMs: () => this.config.pool.server_login_retry,
      resubscribeWithinMs: () => this.config.pool.query_wait_timeout,
      connect: this.signals.connect,
      log: this.log,
    });
  }

  get name(): string { return this.config.name; }

  /** With sentinel: find the primary before the listener opens (or give up waiting and keep asking). */
  async start(): Promise<void> {
    if (this.config.sentinel === undefined) return;
    this.sentinel = new SentinelWatch({
      sourceName: this.config.name,
      sentinel: () => this.config.sentinel ?? { master: '', hosts: [] },
      connectTimeoutMs: () => this.config.pool.server_connect_timeout,
      retryMs: () => this.config.pool.server_login_retry,
      onPrimary: (host, port) => this.setPrimary(host, port),
      log: this.log,
    });
    await this.sentinel.start();
  }

  /**
   * A new primary (first answer or failover): connections to the old one close, so clients
   * waiting on them are disconnected and every new command goes to the new primary.
   */
  private setPrimary(host: string, port: number): void {
    if (this.primary?.host === host && this.primary.port === port) return;
    const first = this.primary === null;
    this.primary = { host, port };
    this.log.info({ primary: `${host}:${port}` }, first ? 'redis primary found through sentinel' : 'redis primary changed; reconnecting');
    this.setHosts(new HostSet(hostConfigs(this.config, this.primary)));
    for (const g of this.groups.values()) g.close();
    this.groups.clear();
    this.dedicated.reconnect();
    this.hub.reconnect();
  }

  private setHosts(hosts: HostSet): void {
    this.hosts = hosts;
    this.probe.watch(hosts);
  }

  accept(socket: net.Socket): void {
    const session = new RedisClientSession(socket, this);
    this.clients.add(session);
    session.onClosed = (s) => this.clients.delete(s);
  }

  refuseTooMany(socket: net.Socket, limit: number): void {
    socket.end(errorReply(`ERR max number of clients reached (Sluice max_client_conn ${limit})`));
  }

  shared(version: RespVersion, role: 'primary' | 'replica' = 'primary'): SharedGroup {
    const key = `${version}:${role}`;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = new SharedGroup({
        version,
        role,
        sourceName: this.config.name,
        hosts: () => this.hosts.hosts,
        credentials: () => this.config.server,
        perHost: () => this.config.pool.shared_connections,
        connectTimeoutMs: () => this.config.pool.server_connect_timeout,
        retryMs: () => this.config.pool.server_login_retry,
        connect: this.signals.connect,
        log: this.log,
      });
      this.groups.set(key, group);
    }
    return group;
  }

  serverVersion(): string {
    if (this.learntVersion === '') {
      for (const g of this.groups.values()) for (const c of g.connections) if (c.serverVersion !== '') this.learntVersion = c.serverVersion;
    }
    return this.learntVersion;
  }

  /** Shared and dedicated connections open now, for the admin views. */
  get sharedConnections(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.connections.length;
    return n;
  }

  /** Shared connections with the clients pinned to each, for the admin views. */
  *sharedLoad(): IterableIterator<[RedisServerConnection, number]> {
    for (const g of this.groups.values()) yield* g.load;
  }

  /** New sizes, timeouts and users; open sessions keep their connections. */
  reload(config: RedisSourceConfig): void {
    this.config = config;
    const hosts = hostConfigs(config, this.primary);
    if (JSON.stringify(hosts) !== JSON.stringify(this.hosts.hosts.map((h) => h.config))) this.setHosts(new HostSet(hosts));
    this.dedicated.resize(this.poolOptions());
  }

  /** Wait up to `deadline` for clients to leave dedicated connections, then close everything. */
  async close(deadline: number): Promise<void> {
    this.sentinel?.close();
    await this.probe.stop();
    const drained = this.dedicated.drain();
    const left = deadline - Date.now();
    if (left > 0) await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, left).unref())]);
    for (const c of [...this.clients]) c.close('Sluice is shutting down');
    for (const g of this.groups.values()) g.close();
    this.hub.close();
    await this.dedicated.close();
  }

  private poolOptions() {
    const p = this.config.pool;
    return {
      mode: 'session' as const,
      size: p.dedicated_size,
      min_size: 0,
      query_wait_timeout: p.query_wait_timeout,
      server_connect_timeout: p.server_connect_timeout,
      server_login_retry: p.server_login_retry,
      server_lifetime: p.server_lifetime,
      server_idle_timeout: p.server_idle_timeout,
      server_check_query: 'PING',
      server_check_delay: p.server_check_delay,
    };
  }

  /** Dedicated connections: RESP2 at rest; RESET (and AUTH again, which RESET undoes) before reuse. */
  private connector(): Connector<RedisServerConnection> {
    return {
      connect: async (target: HostTarget, timeoutMs: number) => {
        const host = target as RoutedHost;
        const conn = await this.signals.connect({ host, version: 2, credentials: this.config.server, name: `sluice-${this.config.name}-dedicated`, timeoutMs, log: this.log });
        host.connections++;
        conn.onClose = (c) => {
          host.connections--;
          this.dedicated.onConnectionClosed(c);
        };
        return conn;
      },
      check: async (conn) => { await conn.request(PING); },
      reset: async (conn) => {
        // Pipelined: one round trip. RESET also logs out and clears the name, so both are set again.
        const creds = this.config.server;
        await Promise.all([
          conn.request(RESET),
          ...(creds ? [conn.request(encodeCommand(['AUTH', creds.user ?? 'default', creds.password]))] : []),
          conn.request(encodeCommand(['CLIENT', 'SETNAME', `sluice-${this.config.name}-dedicated`])),
        ]);
      },
    };
  }
}

/** The hosts to route to; with sentinel, its primary and the configured replicas. */
function hostConfigs(config: RedisSourceConfig, primary: { host: string; port: number } | null): HostConfig[] {
  const hosts = config.sentinel === undefined ? config.hosts : config.hosts.filter((h) => h.role === 'replica');
  const all = primary === null ? hosts : [{ host: primary.host, port: primary.port, role: 'primary' as const }, ...hosts];
  return all.map((h) => ({ host: h.host, port: h.port, role: h.role, zone: '', weight: 1 }));
}
