/**
 * One MySQL/MariaDB source at run time: its hosts, and one pool per user and client profile
 * (the capabilities and character set that shape what a server sends, so a pooled connection
 * answers every client of its pool in the client's own dialect), plus the global statement
 * cache. Health: a probe asks every host @@read_only each second (latency, reachability,
 * role); COM_PING checks a pooled connection idle past server_check_delay before reuse.
 */
import type { Logger } from 'pino';
import type { MysqlSourceConfig, MysqlUserConfig } from '../../config/types.js';
import { Pool } from '../../pool/pool.js';
import type { Connector, HostTarget } from '../../pool/types.js';
import { HostSet, type RoutedHost } from '../../router/host-set.js';
import { COM_PING } from '../../wire/mysql/index.js';
import type { MysqlSourceHandle } from './context.js';
import { FORMAT_CAPABILITIES } from './greeting.js';
import { MysqlServerConnection } from './server-connection.js';
import type { ClientProfile } from './server-login.js';
import { resetConnection } from './session-sync.js';
import { StatementCache } from './statements.js';
import { MysqlProbe, PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS } from './mysql-probe.js';
import { Prober } from '../../health/prober.js';

const PING = Buffer.from([COM_PING]);

export class MysqlSource implements MysqlSourceHandle {
  config: MysqlSourceConfig;
  readonly hosts: HostSet;
  /** By "user|capabilities|mariadb capabilities|charset". */
  readonly pools = new Map<string, { user: string; pool: Pool<MysqlServerConnection> }>();
  readonly statements = new StatementCache();
  clients = 0;
  /** The first backend's version string, shown in greetings. */
  serverVersion = '';
  private readonly log: Logger;
  private readonly maxPayload: number;
  private readonly probe: MysqlProbe;
  private readonly prober: Prober<RoutedHost>;

  constructor(config: MysqlSourceConfig, log: Logger, maxPayload: number) {
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
    this.probe = new MysqlProbe(() => this.config, this.log);
    this.prober = new Prober(this.hosts.hosts.map((h) => ({ host: h, health: h.health })), this.probe.probe, { intervalMs: PROBE_INTERVAL_MS, timeoutMs: PROBE_TIMEOUT_MS });
    this.prober.start();
  }

  get name(): string { return this.config.name; }

  get sessionPooling(): boolean { return this.config.pool.mode === 'session'; }

  user(name: string): MysqlUserConfig | undefined { return this.config.users.find((u) => u.name === name); }

  pool(user: MysqlUserConfig, profile: ClientProfile): Pool<MysqlServerConnection> {
    const caps = (profile.capabilities & FORMAT_CAPABILITIES) >>> 0;
    const key = `${user.name}|${caps.toString(16)}|${profile.mariadbCapabilities.toString(16)}|${profile.charset}`;
    let entry = this.pools.get(key);
    if (entry === undefined) {
      entry = { user: user.name, pool: this.createPool(key, user, { ...profile, capabilities: caps }) };
      this.pools.set(key, entry);
    }
    return entry.pool;
  }

  reload(config: MysqlSourceConfig): void {
    this.config = config;
    for (const [key, { user, pool }] of this.pools) {
      const u = config.users.find((x) => x.name === user);
      if (u === undefined) {
        this.pools.delete(key);
        void pool.close();
      } else {
        pool.resize(this.poolOptions(u));
      }
    }
  }

  async close(): Promise<void> {
    await this.prober.stop();
    this.probe.close();
    await Promise.all([...this.pools.values()].map((e) => e.pool.close()));
  }

  private poolOptions(user: MysqlUserConfig): MysqlSourceConfig['pool'] {
    return { ...this.config.pool, size: user.pool_size ?? this.config.pool.size };
  }

  private createPool(key: string, user: MysqlUserConfig, profile: ClientProfile): Pool<MysqlServerConnection> {
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
      pickHost: () => this.hosts.pick('primary'),
      log: this.log,
    });
    return pool;
  }
}
