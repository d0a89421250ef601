/**
 * The running Sluice: listeners, pools and sources built from one SluiceConfig.
 * The CLI owns process concerns (signals, exit codes); the gateway owns connections.
 */
import type { Logger } from 'pino';
import type { ListenAddress, MysqlListenerConfig, PostgresSourceConfig, SluiceConfig } from './config/types.js';
import { type EmbeddedPglite, startEmbeddedPglite } from './embedded/pglite.js';
import { Listener } from './proxy/listener.js';
import { PgProxy } from './proxy/postgres/pg-proxy.js';
import { RedisProxy } from './proxy/redis/redis-proxy.js';
import { MysqlProxy } from './proxy/mysql/mysql-proxy.js';
import { GatewayInventory } from './admin/inventory.js';
import type { ReloadHandler } from './admin/deps.js';
import { AdminServer } from './admin/server.js';
import { createDiscovery, reloadDiscovery } from './discovery/wiring.js';
import type { DiscoveryService } from './discovery/service.js';
import { AuditLog, NO_AUDIT, type AuditSink } from './auth/audit/index.js';
import { LoginGuard } from './auth/login-guard.js';

export class Gateway {
  config: SluiceConfig;
  readonly log: Logger;
  postgres: PgProxy | null = null;
  private pgListener: Listener | null = null;
  /** Redis sources, each on its own listener. */
  readonly redis: RedisProxy;
  /** The MySQL/MariaDB listener and its sources, when listeners.mysql is configured. */
  mysql: MysqlProxy | null = null;
  private readonly embedded: EmbeddedPglite[] = [];
  /** Where the PostgreSQL listener is bound (its real port when configured as 0). */
  postgresAddress: ListenAddress | null = null;
  /** The read model every admin view shares (HTTP API, Prometheus, console). */
  readonly inventory = new GatewayInventory(() => this.postgres, () => this.redis, () => this.mysql);
  private admin: AdminServer | null = null;
  /** Where the admin HTTP port is bound, when `admin` is configured. */
  adminAddress: ListenAddress | null = null;
  /**
   * What POST /v1/reload runs: the CLI sets it to re-read its configuration file. Null (a
   * gateway built from a config object, as in tests) answers 409.
   */
  reloadHandler: ReloadHandler | null = null;
  /** The audit trail when `audit` is configured; its figures are exported on /metrics. */
  auditLog: AuditLog | null = null;
  /** Schema discovery when `discovery:` is configured (docs/discovery.md). */
  discovery: DiscoveryService | null = null;
  /** Brute-force protection shared by every protocol's logins; its figures are on /metrics. */
  readonly loginGuard: LoginGuard;

  constructor(config: SluiceConfig, log: Logger) {
    this.config = config;
    this.loginGuard = new LoginGuard(config.brute_force);
    this.log = log;
    this.redis = new RedisProxy(log, { record: (event) => this.auditLog?.record(event) });
    this.redis.loginGuard = this.loginGuard;
  }

  private postgresSources(config: SluiceConfig): PostgresSourceConfig[] {
    return Object.values(config.sources).filter((s) => s.kind === 'postgres');
  }

  /** Bind listeners and start pools. Backends that are down are not fatal: pools keep retrying. */
  async start(): Promise<void> {
    // First: a login must never happen unaudited. An unusable path is fatal (SLUICE_AUDIT_OPEN).
    if (this.config.audit) {
      const a = this.config.audit;
      this.auditLog = AuditLog.open({
        path: a.path, maxSizeBytes: a.max_size, maxFiles: a.max_files,
        onError: (err) => this.log.error({ err, path: a.path }, 'audit log write failed; records are kept in memory (bounded) and retried; check the disk and permissions'),
      });
      this.log.info({ path: a.path, head: this.auditLog.head().seq }, 'audit log open');
    }
    const audit: AuditSink = this.auditLog ?? NO_AUDIT;
    for (const source of this.postgresSources(this.config)) {
      if (!source.embedded) continue;
      const embedded = await startEmbeddedPglite(source.embedded, this.log);
      this.embedded.push(embedded);
      if (source.pool.size > embedded.maxConnections) {
        // PGlite serves one session; a second connection would be dropped or share its state.
        this.log.warn({ source: source.name, size: source.pool.size, max: embedded.maxConnections }, 'pool.size lowered to what the embedded database serves');
        source.pool = { ...source.pool, size: embedded.maxConnections, min_size: Math.min(source.pool.min_size, embedded.maxConnections) };
        for (const u of source.users) if (u.pool_size !== undefined) u.pool_size = Math.min(u.pool_size, embedded.maxConnections);
      }
    }
    const pgConfig = this.config.listeners.postgres;
    if (pgConfig) {
      this.postgres = new PgProxy(pgConfig, this.postgresSources(this.config), this.log);
      this.postgres.audit = audit;
      this.postgres.loginGuard = this.loginGuard;
      const inventory = this.inventory;
      // The CLI replaces reload and shutdown with its own (re-read the file; exit the process).
      this.postgres.console = {
        config: () => this.config,
        inventory: () => inventory,
        reload: () => this.reload(this.config),
        shutdown: () => void this.shutdown(this.config.shutdown_timeout),
      };
      this.pgListener = new Listener('postgres', this.postgres, pgConfig.max_client_conn, this.log);
      this.postgresAddress = await this.pgListener.listen(pgConfig.listen);
    }
    await this.redis.start(RedisProxy.configs(this.config));
    if (this.config.listeners.mysql) await this.startMysql(this.config.listeners.mysql);
    this.discovery = createDiscovery(() => this.config, this.inventory, this.log);
    if (this.config.admin) {
      this.admin = new AdminServer({
        inventory: this.inventory,
        proxy: () => this.postgres,
        redis: () => this.redis,
        mysql: () => this.mysql,
        config: () => this.config,
        listenerProblems: () => (this.config.listeners.postgres && this.postgresAddress === null ? ['the postgres listener is not bound'] : []),
        reloadHandler: () => this.reloadHandler,
        log: this.log.child({ component: 'admin' }),
        audit,
        auditLog: () => this.auditLog,
        loginGuard: this.loginGuard,
        discovery: () => this.discovery,
      });
      this.adminAddress = await this.admin.listen(this.config.admin.listen);
      this.log.info({ listener: 'admin', address: `${this.adminAddress.host}:${this.adminAddress.port}` }, 'listening');
      if (this.config.admin.auth === 'token' && this.config.admin.tokens.length === 0) {
        this.log.warn('admin.auth is token but admin.tokens is empty, so every admin request except /healthz and /readyz gets 401; add one with `sluice token create --role admin`, or set admin.auth: none on a loopback address');
      }
    }
  }

  /** Apply pool sizes, timeouts and users from a new config without dropping clients. */
  async reload(config: SluiceConfig): Promise<void> {
    if (JSON.stringify(config.audit) !== JSON.stringify(this.config.audit)) {
      this.log.warn({ before: this.config.audit ?? null, after: config.audit ?? null }, 'audit settings changed; they take effect at the next start (the open log keeps its chain until then)');
    }
    this.config = config;
    if (config.brute_force) this.loginGuard.configure(config.brute_force);
    const pgConfig = config.listeners.postgres;
    if (this.postgres && pgConfig) {
      this.postgres.reload(pgConfig, this.postgresSources(config));
      if (this.pgListener) this.pgListener.maxConnections = pgConfig.max_client_conn;
    }
    await this.redis.reload(RedisProxy.configs(config));
    await this.reloadMysql(config);
    // Added, removed or changed `discovery:` takes effect now; the catalog file is kept either way.
    this.discovery = await reloadDiscovery(this.discovery, () => this.config, this.inventory, this.log);
    this.log.info('configuration reloaded');
  }

  private async startMysql(listener: MysqlListenerConfig): Promise<void> {
    const mysql = new MysqlProxy(listener, MysqlProxy.configs(this.config), this.log);
    mysql.audit = this.auditLog ?? NO_AUDIT;
    mysql.loginGuard = this.loginGuard;
    try {
      await mysql.listen();
    } catch (err) {
      await mysql.close();
      throw err;
    }
    this.mysql = mysql;
  }

  /** listeners.mysql added at a reload starts the listener, removed stops it (its clients are closed). */
  private async reloadMysql(config: SluiceConfig): Promise<void> {
    const listener = config.listeners.mysql;
    if (this.mysql && listener) {
      this.mysql.reload(listener, MysqlProxy.configs(config));
    } else if (listener) {
      await this.startMysql(listener);
    } else if (this.mysql) {
      const old = this.mysql;
      this.mysql = null;
      await old.close();
    }
  }

  /** Stop accepting, let transactions in flight finish up to timeoutMs, then close everything. */
  async shutdown(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    if (this.postgres) this.postgres.shuttingDown = true;
    this.pgListener?.stop();
    this.redis.stopAccepting();
    this.mysql?.stopAccepting();
    if (this.postgres) {
      await this.postgres.drain(deadline);
      await this.postgres.close();
    }
    await this.redis.close(deadline);
    await this.mysql?.close();
    await Promise.all(this.embedded.map((e) => e.stop()));
    await this.discovery?.close();
    // Last, so operators can watch the drain on the admin port.
    await this.admin?.close();
    this.auditLog?.close();
    this.log.info('shut down');
  }
}
