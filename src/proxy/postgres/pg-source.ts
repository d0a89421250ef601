/**
 * One PostgreSQL source at run time: its hosts, one pool per user, the server parameters
 * shown to clients at login, and SCRAM verifiers derived once per user.
 */
import type { Logger } from 'pino';
import type { PostgresSourceConfig, UserConfig } from '../../config/types.js';
import { Pool } from '../../pool/pool.js';
import type { Connector, HostTarget } from '../../pool/types.js';
import { HostSet, type RoutedHost } from '../../router/host-set.js';
import { type ScramVerifier, parseScramVerifier, scramVerifierFromPassword } from '../../wire/postgres/scram.js';
import type { VerifierSource } from './client-auth.js';
import { Prober } from '../../health/prober.js';
import { runOwnQuery } from './own-query.js';
import { PgProbe, PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS } from './pg-probe.js';
import { PgServerConnection } from './server-connection.js';

export class PgSource implements VerifierSource {
  config: PostgresSourceConfig;
  readonly hosts: HostSet;
  readonly pools = new Map<string, Pool<PgServerConnection>>();
  /** ParameterStatus values of the first server reached, shown to clients at login. */
  serverParams: Map<string, string> | null = null;
  /** Client connections logged in to this source now. */
  clients = 0;
  /** Clients refused after naming this source (bad password, login timeout, no server). */
  loginFailures = 0;
  /** Outcome of the last connect any pool made to each host, by host key: null when it succeeded. */
  readonly lastConnect = new Map<string, { error: string | null; at: number }>();
  /** Active health probes of the hosts (role, replay lag, reachability); none for an embedded source. */
  private readonly probe: PgProbe | null = null;
  private readonly prober: Prober<RoutedHost> | null = null;
  private readonly verifiers = new Map<string, { password: string; verifier: ScramVerifier }>();
  private readonly log: Logger;
  private readonly maxMessageSize: number;

  constructor(config: PostgresSourceConfig, log: Logger, maxMessageSize: number) {
    this.config = config;
    this.log = log.child({ source: config.name });
    this.maxMessageSize = maxMessageSize;
    this.hosts = new HostSet(config.hosts);
    for (const h of this.hosts.hosts) {
      h.health.listen({
        stateChanged: (_, from, to, reason) => this.log[to === 'down' ? 'warn' : 'info']({ host: h.key, from, to, reason }, 'host health changed'),
        roleChanged: (_, from, to, reason) => this.log.warn({ host: h.key, from, to, reason }, 'host role changed'),
      });
    }
    for (const user of config.users) this.pools.set(user.name, this.createPool(user));
    // An embedded PGlite serves one connection, which the pool holds; it has no replicas to tell apart.
    if (config.embedded === undefined) {
      this.probe = new PgProbe(() => this.config, this.log);
      this.prober = new Prober(this.hosts.hosts.map((h) => ({ host: h, health: h.health })), this.probe.probe, { intervalMs: PROBE_INTERVAL_MS, timeoutMs: PROBE_TIMEOUT_MS });
      this.prober.start();
    }
  }

  get name(): string { return this.config.name; }

  user(name: string): UserConfig | undefined { return this.config.users.find((u) => u.name === name); }

  pool(user: UserConfig): Pool<PgServerConnection> {
    let pool = this.pools.get(user.name);
    if (pool === undefined) {
      pool = this.createPool(user);
      this.pools.set(user.name, pool);
    }
    return pool;
  }

  scramVerifier(user: UserConfig): ScramVerifier {
    const cached = this.verifiers.get(user.name);
    if (cached !== undefined && cached.password === user.password) return cached.verifier;
    const verifier = parseScramVerifier(user.password) ?? scramVerifierFromPassword(user.password);
    this.verifiers.set(user.name, { password: user.password, verifier });
    return verifier;
  }

  /** New pool sizes, timeouts and users; connections of removed users close as they come back. */
  reload(config: PostgresSourceConfig): void {
    this.config = config;
    for (const [name, pool] of this.pools) {
      const user = config.users.find((u) => u.name === name);
      if (user === undefined) {
        this.pools.delete(name);
        void pool.close();
      } else {
        pool.resize(this.poolOptions(user));
      }
    }
    for (const user of config.users) if (!this.pools.has(user.name)) this.pools.set(user.name, this.createPool(user));
  }

  async close(): Promise<void> {
    await this.prober?.stop();
    this.probe?.close();
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }

  private poolOptions(user: UserConfig): PostgresSourceConfig['pool'] {
    return { ...this.config.pool, size: user.pool_size ?? this.config.pool.size };
  }

  private createPool(user: UserConfig): Pool<PgServerConnection> {
    const source = this;
    const connector: Connector<PgServerConnection> = {
      async connect(target: HostTarget, timeoutMs: number) {
        const host = target as RoutedHost;
        const cfg = source.config;
        const u = source.user(user.name) ?? user;
        let conn: PgServerConnection;
        try {
          conn = await PgServerConnection.connect({
            host,
            creds: { user: u.server_user ?? u.name, password: u.server_password ?? u.password, database: cfg.database },
            timeoutMs,
            maxPreparedStatements: cfg.pool.max_prepared_statements,
            maxMessageSize: source.maxMessageSize,
            log: source.log,
          });
        } catch (err) {
          // Kept per host so that /readyz and sluice_host_up can tell which host is down.
          source.lastConnect.set(host.key, { error: err instanceof Error ? err.message : String(err), at: Date.now() });
          host.health.recordFailure('connect');
          throw err;
        }
        source.lastConnect.set(host.key, { error: null, at: Date.now() });
        host.connections++;
        conn.onClosed = (c) => {
          host.connections--;
          pool.onConnectionClosed(c);
        };
        if (source.serverParams === null) source.serverParams = new Map(conn.params);
        return conn;
      },
      async check(conn) {
        await runOwnQuery(conn, source.config.pool.server_check_query, source.config.pool.server_connect_timeout);
      },
      async reset(conn) {
        const sql = source.config.pool.server_reset_query;
        if (sql !== '') await runOwnQuery(conn, sql, source.config.pool.server_connect_timeout);
        conn.statements.clear();
      },
    };
    const pool: Pool<PgServerConnection> = new Pool({
      name: `${this.config.name}/${user.name}`,
      options: this.poolOptions(user),
      connector,
      pickHost: () => this.hosts.pick('primary'),
      log: this.log,
    });
    return pool;
  }
}
