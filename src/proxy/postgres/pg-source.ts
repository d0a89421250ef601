/**
 * One PostgreSQL source at run time: its hosts and their routing, one pool per user and host,
 * the server parameters shown to clients at login, and SCRAM verifiers derived once per user.
 * A source with one host is not routed: its single pool per user behaves as before routing,
 * except that while its host is down new transactions wait up to failover_timeout for it.
 */
import type { Logger } from 'pino';
import type { PostgresSourceConfig, UserConfig } from '../../config/types.js';
import { HostPools } from '../../pool/host-pools.js';
import { Pool } from '../../pool/pool.js';
import type { Connector, HostTarget } from '../../pool/types.js';
import { HostRoster } from '../../router/host-roster.js';
import { HostSet, type RoutedHost } from '../../router/host-set.js';
import { serving } from '../../router/host-wait.js';
import { FunctionVolatility } from '../../router/function-volatility.js';
import { ReadWriteClassifier } from '../../router/read-write.js';
import { loadSqlParser } from '../../router/sql-parser.js';
import { DEFAULT_ROUTING, routingOptions } from '../../router/routing-options.js';
import { rerouteOnHostChange, type RouteTarget } from '../../router/routed-lease.js';
import { type ScramVerifier, parseScramVerifier, scramVerifierFromPassword } from '../../wire/postgres/scram.js';
import type { VerifierSource } from './client-auth.js';
import { Prober } from '../../health/prober.js';
import { runOwnQuery } from './own-query.js';
import { PgProbe, probeSettings } from './pg-probe.js';
import { serverTlsFor } from './server-tls.js';
import { PgServerConnection } from './server-connection.js';
import { retryWithPreviousValue } from '../../auth/secrets/previous-credential.js';
import { ScramPassThrough } from '../../auth/scram-pass-through.js';
import { DynamicUsers } from './dynamic-users.js';

/** What a pool logs in to its servers with; a change retires the pool's connections. */
function serverLogin(config: PostgresSourceConfig, user: UserConfig | undefined): string {
  return user === undefined ? '' : JSON.stringify([config.database, user.server_user ?? user.name, user.server_password ?? user.password]);
}

export class PgSource implements RouteTarget, VerifierSource {
  config: PostgresSourceConfig;
  readonly hosts: HostSet;
  /** Every pool, for the admin views: by user name, or `user@host:port` when the source is routed. */
  readonly pools = new Map<string, Pool<PgServerConnection>>();
  /** Several hosts, not embedded: each unit of work is sent to a host chosen by `roster`. */
  readonly routed: boolean;
  readonly roster: HostRoster;
  /** An embedded PGlite has no prober: nothing would see its host come back, so nothing waits for it. */
  get probed(): boolean { return this.config.embedded === undefined; }
  get failoverTimeout(): number { return this.config.routing?.failover_timeout ?? DEFAULT_ROUTING.failover_timeout; }
  /** The database's STABLE and IMMUTABLE functions, loaded by the probe under read_write_split. */
  readonly volatility = new FunctionVolatility();
  /** Judges the first statement of a transaction under read_write_split; one per source, reused. */
  readonly classifier = new ReadWriteClassifier({ volatility: this.volatility });
  private readonly byUser = new Map<string, HostPools<PgServerConnection, RoutedHost>>();
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
  /** Users whose password is a stored SCRAM verifier log in to servers with their clients' keys. */
  private readonly passThrough = new ScramPassThrough();
  private readonly log: Logger;
  private readonly maxMessageSize: number;
  /** Users not in `users` that auth_query found (PgBouncer's auth_user); none without auth_user. */
  readonly dynamicUsers: DynamicUsers;

  constructor(config: PostgresSourceConfig, log: Logger, maxMessageSize: number) {
    // Certificate files are read now, so a wrong path stops the start rather than every connect.
    serverTlsFor(config.server_tls, config.name);
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
    this.routed = this.hosts.hosts.length > 1 && config.embedded === undefined;
    this.roster = new HostRoster(this.hosts, {
      clock: { now: () => Date.now() },
      routing: routingOptions(config.routing),
      spare: (host) => this.spare(host),
    });
    rerouteOnHostChange(this.hosts, (h) => this.rerouteFrom(h));
    // The parser decides what the lexer is unsure of; loaded now so that no query waits for it.
    if (config.routing?.read_write_split === true) void loadSqlParser();
    for (const h of this.hosts.hosts) h.health.utilisationOf = () => this.utilisation(h);
    this.dynamicUsers = new DynamicUsers(this, this.log, this);
    for (const user of config.users) this.pool(user);
    // An embedded PGlite serves one connection, which the pool holds; it has no replicas to tell apart.
    if (config.embedded === undefined) {
      this.probe = new PgProbe(() => this.config, this.log, this.volatility);
      this.prober = new Prober(this.hosts.hosts.map((h) => ({ host: h, health: h.health })), this.probe.probe, probeSettings(config));
      this.prober.start();
    }
  }

  get name(): string { return this.config.name; }

  /** A listed user, else one auth_query found (for its pools; logins look up again after the TTL). */
  user(name: string): UserConfig | undefined { return this.config.users.find((u) => u.name === name) ?? this.dynamicUsers.user(name); }

  /**
   * The pool a new session of this user would use now (the login check): the primary's, else
   * any serving host's, else the first host's.
   */
  pool(user: UserConfig): Pool<PgServerConnection> {
    const pools = this.hostPools(user);
    if (!this.routed) return pools.get(this.hosts.hosts[0]!);
    let choice = this.roster.choose('write');
    if (!choice.ok) choice = this.roster.choose('any');
    return pools.get(choice.ok ? choice.host : this.hosts.hosts[0]!);
  }

  /** The user's pools by host, made on first use. */
  hostPools(user: UserConfig): HostPools<PgServerConnection, RoutedHost> {
    let pools = this.byUser.get(user.name);
    if (pools === undefined) {
      pools = new HostPools((host) => {
        const pool = this.createPool(user, host);
        this.pools.set(this.routed ? `${user.name}@${host.key}` : user.name, pool);
        return pool;
      });
      this.byUser.set(user.name, pools);
    }
    return pools;
  }

  learnClientKey(user: UserConfig, clientKey: Buffer): void {
    this.passThrough.learn(user, clientKey);
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
    const before = this.config;
    this.config = config;
    this.roster.reconfigure(routingOptions(config.routing));
    this.dynamicUsers.reload(before);
    for (const [name, pools] of this.byUser) {
      const user = config.users.find((u) => u.name === name);
      if (user !== undefined) {
        // Rotated credentials (a secret refresh, an edited file): connections logged in with the
        // old ones retire as their transactions end, and new ones log in with the new.
        const rotated = serverLogin(before, before.users.find((u) => u.name === name)) !== serverLogin(config, user);
        for (const pool of pools.values()) {
          pool.resize(this.poolOptions(user));
          if (rotated) pool.reconnect();
        }
        continue;
      }
      // Not listed, but auth_query found it: its pools stay while auth_user is set.
      const found = this.dynamicUsers.user(name);
      if (found !== undefined) {
        for (const pool of pools.values()) pool.resize(this.poolOptions(found));
        continue;
      }
      this.byUser.delete(name);
      for (const [key, pool] of this.pools) {
        if (key !== name && !key.startsWith(`${name}@`)) continue;
        this.pools.delete(key);
        void pool.close();
      }
    }
    for (const user of config.users) this.pool(user);
  }

  async close(): Promise<void> {
    await this.prober?.stop();
    this.probe?.close();
    this.roster.close();
    this.dynamicUsers.close();
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }

  private poolOptions(user: UserConfig): PostgresSourceConfig['pool'] {
    return { ...this.config.pool, size: user.pool_size ?? this.config.pool.size };
  }

  /** What a host can still give, over every user's pool there: the roster's saturation test. */
  private spare(host: RoutedHost): number {
    let spare = 0;
    for (const [name, pools] of this.byUser) {
      const user = this.user(name);
      spare += pools.spare(host, user?.pool_size ?? this.config.pool.size);
    }
    return spare;
  }

  /** Leased ÷ size over every user's pool to the host; 0 before any pool there. */
  private utilisation(host: RoutedHost): number {
    let leased = 0;
    let size = 0;
    for (const [name, pools] of this.byUser) {
      if (pools.peek(host) === undefined) continue;
      leased += pools.leased(host);
      size += this.user(name)?.pool_size ?? this.config.pool.size;
    }
    return size === 0 ? 0 : leased / size;
  }

  /**
   * The host stopped serving or changed role: clients still waiting for one of its connections
   * choose again (on a single host: wait for it to come back, up to failover_timeout).
   */
  private rerouteFrom(host: RoutedHost): void {
    // A single host's role does not matter to its clients; only its going down does.
    if (this.config.embedded !== undefined || (!this.routed && serving(host.health.state))) return;
    for (const [name, pools] of this.byUser) {
      const user = this.user(name);
      if (user !== undefined) pools.rerouteWaiters(host, (waiter) => this.pool(user).acquire(waiter));
    }
  }

  private createPool(user: UserConfig, host: RoutedHost): Pool<PgServerConnection> {
    const source = this;
    const connector: Connector<PgServerConnection> = {
      async connect(target: HostTarget, timeoutMs: number) {
        const host = target as RoutedHost;
        const cfg = source.config;
        const u = source.user(user.name) ?? user;
        let conn: PgServerConnection;
        const password = u.server_password ?? u.password;
        // Outside the try: a verifier no client has unlocked yet is a refusal, not a host failure.
        const scramKeys = source.passThrough.keysFor(u.name, password);
        const open = (secret: string) => PgServerConnection.connect({
          host,
          creds: { user: u.server_user ?? u.name, password: secret, database: cfg.database, scramKeys },
          timeoutMs,
          maxPreparedStatements: cfg.pool.max_prepared_statements,
          maxMessageSize: source.maxMessageSize,
          log: source.log,
          tls: serverTlsFor(cfg.server_tls, cfg.name),
        });
        try {
          conn = await open(password).catch((err: unknown) => retryWithPreviousValue(err, password, open));
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
      name: this.routed ? `${this.config.name}/${user.name}@${host.key}` : `${this.config.name}/${user.name}`,
      options: this.poolOptions(user),
      connector,
      // Routing chose the host before the lease; an operator's DISABLE still stops new connections.
      pickHost: () => (host.disabled ? null : host),
      log: this.log,
    });
    return pool;
  }
}
