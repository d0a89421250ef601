/**
 * One MySQL/MariaDB source at run time: its hosts and their routing (the shared HostRoster),
 * one pool per user, client profile (the capabilities and character set that shape what a
 * server sends, so a pooled connection answers every client of its pool in the client's own
 * dialect) and host, plus the global statement cache. Health: a probe asks every host its
 * read-only flags and replica lag each second (mysql-probe.ts); COM_PING checks a pooled
 * connection idle past server_check_delay before reuse. A source with one host is not routed.
 */
import type { Logger } from 'pino';
import { NoHostError } from '../../errors.js';
import type { MysqlSourceConfig, MysqlUserConfig } from '../../config/types.js';
import { Pool } from '../../pool/pool.js';
import type { Connector, HostTarget } from '../../pool/types.js';
import { HostPools } from '../../pool/host-pools.js';
import { HostRoster } from '../../router/host-roster.js';
import { HostSet, type RoutedHost } from '../../router/host-set.js';
import { MysqlReadWriteClassifier } from '../../router/mysql-read-write.js';
import { rerouteOnHostChange } from '../../router/routed-lease.js';
import { DEFAULT_ROUTING, routingOptions } from '../../router/routing-options.js';
import { COM_PING } from '../../wire/mysql/index.js';
import type { MysqlSourceHandle } from './context.js';
import { FORMAT_CAPABILITIES } from './greeting.js';
import { MysqlServerConnection } from './server-connection.js';
import { serverTlsFor } from '../tls/server-tls-connect.js';
import type { ClientProfile } from './server-login.js';
import { resetConnection } from './session-sync.js';
import { StatementCache } from './statements.js';
import { MysqlProbe, PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS } from './mysql-probe.js';
import { Prober } from '../../health/prober.js';
import { type MysqlRouteTarget, MysqlUnitRouter, type RoutedMysqlSession } from './unit-router.js';

const PING = Buffer.from([COM_PING]);

export class MysqlSource implements MysqlSourceHandle, MysqlRouteTarget {
  config: MysqlSourceConfig;
  readonly hosts: HostSet;
  /** Every pool, for the admin views: by "user|capabilities|mariadb capabilities|charset", then "@host:port" when routed. */
  readonly pools = new Map<string, { user: string; pool: Pool<MysqlServerConnection> }>();
  /** Several hosts: each command goes to a host chosen by `roster`. */
  readonly routed: boolean;
  readonly roster: HostRoster;
  /** Judges autocommit statements under read_write_split; one per source, reused. */
  readonly classifier = new MysqlReadWriteClassifier();
  /** Per user and profile (the pools key before the host): that profile's pool on each host. */
  private readonly byProfile = new Map<string, { user: string; pools: HostPools<MysqlServerConnection, RoutedHost> }>();
  readonly statements = new StatementCache();
  clients = 0;
  /** The first backend's version string, shown in greetings. */
  serverVersion = '';
  private readonly log: Logger;
  private readonly maxPayload: number;
  private readonly probe: MysqlProbe;
  private readonly prober: Prober<RoutedHost>;

  constructor(config: MysqlSourceConfig, log: Logger, maxPayload: number) {
    // Certificate files are read now, so a wrong path stops the start rather than every connect.
    serverTlsFor(config.server_tls, config.name);
    this.config = config;
    this.log = log.child({ source: config.name });
    this.maxPayload = maxPayload;
    this.hosts = new HostSet(config.hosts);
    for (const h of this.hosts.hosts) {
      h.health.listen({
        stateChanged: (_, from, to, reason) => this.log[to === 'down' ? 'warn' : 'info']({ host: h.key, from, to, reason }, 'host health changed'),
        roleChanged: (_, from, to, reason) => this.log.warn({ host: h.key, from, to, reason }, 'host role changed'),
      });
    }
    this.routed = this.hosts.hosts.length > 1;
    this.roster = new HostRoster(this.hosts, {
      clock: { now: () => Date.now() },
      routing: routingOptions(config.routing),
      spare: (host) => this.spare(host),
    });
    rerouteOnHostChange(this.hosts, (h) => this.rerouteFrom(h));
    this.probe = new MysqlProbe(() => this.config, this.log);
    this.prober = new Prober(this.hosts.hosts.map((h) => ({ host: h, health: h.health })), this.probe.probe, { intervalMs: PROBE_INTERVAL_MS, timeoutMs: PROBE_TIMEOUT_MS });
    this.prober.start();
  }

  get name(): string { return this.config.name; }

  get sessionPooling(): boolean { return this.config.pool.mode === 'session'; }

  user(name: string): MysqlUserConfig | undefined { return this.config.users.find((u) => u.name === name); }

  /** Every MySQL source runs probes (COM_PING, @@read_only, replica status). */
  readonly probed = true;
  get failoverTimeout(): number { return this.config.routing?.failover_timeout ?? DEFAULT_ROUTING.failover_timeout; }

  get readWriteSplit(): boolean { return this.routed && this.config.routing?.read_write_split === true; }

  /** The pool a client of this profile would write through now: the writer's, else any serving host's, else the first host's. */
  pool(user: MysqlUserConfig, profile: ClientProfile): Pool<MysqlServerConnection> {
    const pools = this.hostPools(user, profile);
    if (!this.routed) return pools.get(this.hosts.hosts[0]!);
    let choice = this.roster.choose('write');
    if (!choice.ok) choice = this.roster.choose('any');
    return pools.get(choice.ok ? choice.host : this.hosts.hosts[0]!);
  }

  /** A client session's router: it picks the host, and so the pool, of each command. */
  router(session: RoutedMysqlSession, user: MysqlUserConfig, profile: ClientProfile): MysqlUnitRouter {
    return new MysqlUnitRouter(session, this, this.hostPools(user, profile));
  }

  private hostPools(user: MysqlUserConfig, profile: ClientProfile): HostPools<MysqlServerConnection, RoutedHost> {
    const caps = (profile.capabilities & FORMAT_CAPABILITIES) >>> 0;
    const key = `${user.name}|${caps.toString(16)}|${profile.mariadbCapabilities.toString(16)}|${profile.charset}`;
    let entry = this.byProfile.get(key);
    if (entry === undefined) {
      const pools = new HostPools<MysqlServerConnection, RoutedHost>((host) => {
        const name = this.routed ? `${key}@${host.key}` : key;
        const pool = this.createPool(name, user, { ...profile, capabilities: caps }, host);
        this.pools.set(name, { user: user.name, pool });
        return pool;
      });
      entry = { user: user.name, pools };
      this.byProfile.set(key, entry);
    }
    return entry.pools;
  }

  reload(config: MysqlSourceConfig): void {
    this.config = config;
    this.roster.reconfigure(routingOptions(config.routing));
    for (const [key, { user, pool }] of this.pools) {
      const u = config.users.find((x) => x.name === user);
      if (u === undefined) {
        this.pools.delete(key);
        void pool.close();
      } else {
        pool.resize(this.poolOptions(u));
      }
    }
    for (const [key, { user }] of this.byProfile) if (this.user(user) === undefined) this.byProfile.delete(key);
  }

  async close(): Promise<void> {
    await this.prober.stop();
    this.probe.close();
    this.roster.close();
    await Promise.all([...this.pools.values()].map((e) => e.pool.close()));
  }

  private poolOptions(user: MysqlUserConfig): MysqlSourceConfig['pool'] {
    return { ...this.config.pool, size: user.pool_size ?? this.config.pool.size };
  }

  /** What a host can still give, over every pool there: the roster's saturation test. */
  private spare(host: RoutedHost): number {
    let spare = 0;
    for (const { user, pools } of this.byProfile.values()) spare += pools.spare(host, this.user(user)?.pool_size ?? this.config.pool.size);
    return spare;
  }

  /** The host stopped serving or changed role: clients still waiting for one of its connections choose again. */
  private rerouteFrom(host: RoutedHost): void {
    if (!this.routed) return;
    for (const { pools } of this.byProfile.values()) {
      pools.rerouteWaiters(host, (waiter) => waiter.onLeaseError(new NoHostError(`host ${host.key} of source "${this.name}" stopped serving`)));
    }
  }

  private createPool(key: string, user: MysqlUserConfig, profile: ClientProfile, host: RoutedHost): Pool<MysqlServerConnection> {
    const source = this;
    const connector: Connector<MysqlServerConnection> = {
      async connect(target: HostTarget, timeoutMs: number) {
        const host = target as RoutedHost;
        const u = source.user(user.name) ?? user;
        let conn: MysqlServerConnection;
        try {
          conn = await MysqlServerConnection.connect({
            host,
            // No schema at login: a pool serves clients of many schemas, and the user may not reach the
            // source's default one; the first command's sync sends COM_INIT_DB.
            creds: { user: u.server_user ?? u.name, password: u.server_password ?? u.password, database: '' },
            profile,
            timeoutMs,
            maxPayload: source.maxPayload,
            maxPreparedStatements: source.config.pool.max_prepared_statements,
            tls: serverTlsFor(source.config.server_tls, source.config.name),
            log: source.log,
          });
        } catch (err) {
          host.health.recordFailure('connect');
          throw err;
        }
        host.connections++;
        conn.onClosed = (c) => {
          host.connections--;
          pool.onConnectionClosed(c);
        };
        if (source.serverVersion === '') source.serverVersion = conn.serverVersion;
        return conn;
      },
      async check(conn) {
        const r = await conn.run(PING);
        if (r.err !== null) throw new Error(`COM_PING: ${r.err.message}`);
      },
      async reset(conn) {
        const err = await resetConnection(conn);
        if (err !== null) throw new Error(`COM_RESET_CONNECTION: ${err.message}`);
      },
    };
    const pool: Pool<MysqlServerConnection> = new Pool({
      name: `${this.config.name}/${key}`,
      options: this.poolOptions(user),
      connector,
      // Routing chose the host before the lease; an operator's DISABLE still stops new connections.
      pickHost: () => (host.disabled ? null : host),
      log: this.log,
    });
    return pool;
  }
}
