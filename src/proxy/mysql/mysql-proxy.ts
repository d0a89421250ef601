/**
 * The MySQL/MariaDB side of the gateway: one listener for every `kind: mysql` source, the
 * login routing (the handshake's database names a source, or a schema on the user's default
 * source: the first source that lists the user), and the sources' pools.
 */
import { type KeyObject, generateKeyPairSync } from 'node:crypto';
import type net from 'node:net';
import type { Logger } from 'pino';
import { NO_AUDIT, type AuditSink } from '../../auth/audit/index.js';
import { LoginGuard } from '../../auth/login-guard.js';
import type { ListenAddress, MysqlListenerConfig, MysqlSourceConfig, SluiceConfig } from '../../config/types.js';
import { buildErr } from '../../wire/mysql/index.js';
import { Listener, type ProtocolAcceptor } from '../listener.js';
import { type ClientTlsContext, clientTlsContext } from '../tls/tls-contexts.js';
import { HandshakeGate } from '../tls/handshake-gate.js';
import { MysqlClientSession } from './client-session.js';
import type { MysqlProxyContext, MysqlRoute } from './context.js';
import { ER_CON_COUNT_ERROR } from './errors.js';
import { DEFAULT_SERVER_VERSION } from './greeting.js';
import { MysqlSource } from './mysql-source.js';

export class MysqlProxy implements ProtocolAcceptor, MysqlProxyContext {
  listener: MysqlListenerConfig;
  readonly log: Logger;
  readonly sources = new Map<string, MysqlSource>();
  readonly clients = new Set<MysqlClientSession>();
  readonly sha2Cache = new Set<string>();
  address: ListenAddress | null = null;
  clientTls: ClientTlsContext | null;
  readonly handshakeGate: HandshakeGate;
  /** The gateway sets its own, shared by every protocol, and its audit trail. */
  loginGuard = new LoginGuard();
  audit: AuditSink = NO_AUDIT;
  readonly loginFailures = new Map<string, number>();
  private readonly net: Listener;
  private lastConnectionId = 0;
  private keys: { publicKeyPem: string; privateKey: KeyObject } | null = null;

  constructor(listener: MysqlListenerConfig, sources: readonly MysqlSourceConfig[], log: Logger) {
    this.listener = listener;
    this.clientTls = clientTlsContext(listener.client_tls, 'listeners.mysql.client_tls');
    this.handshakeGate = new HandshakeGate(listener.client_tls.busy_handshake_rate);
    this.log = log.child({ listener: 'mysql' });
    for (const s of sources) this.sources.set(s.name, new MysqlSource(s, this.log, listener.max_packet_size));
    this.net = new Listener('mysql', this, listener.max_client_conn, this.log);
  }

  static configs(config: SluiceConfig): MysqlSourceConfig[] {
    return Object.values(config.sources).filter((s) => s.kind === 'mysql');
  }

  async listen(): Promise<ListenAddress> {
    this.address = await this.net.listen(this.listener.listen);
    return this.address;
  }

  accept(socket: net.Socket): void {
    const session = new MysqlClientSession(socket, this);
    this.clients.add(session);
    session.onClosed = (s) => this.clients.delete(s);
  }

  refuseTooMany(socket: net.Socket, limit: number): void {
    socket.end(buildErr({ errno: ER_CON_COUNT_ERROR, sqlState: '08004', message: `Too many connections (Sluice max_client_conn ${limit})` }, 0));
  }

  get publicKeyPem(): string { return this.keyPair().publicKeyPem; }
  get privateKey(): KeyObject { return this.keyPair().privateKey; }

  /**
   * Made at the first caching_sha2_password full path, once per process: the key only has to
   * outlive one login, and most deployments never need it.
   */
  private keyPair(): { publicKeyPem: string; privateKey: KeyObject } {
    if (this.keys === null) {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      this.keys = { publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey: pair.privateKey };
    }
    return this.keys;
  }

  serverVersion(): string {
    for (const s of this.sources.values()) if (s.serverVersion !== '') return s.serverVersion;
    return DEFAULT_SERVER_VERSION;
  }

  route(database: string | null, userName: string): MysqlRoute | null {
    if (database !== null && database !== '') {
      const named = this.sources.get(database);
      if (named !== undefined) {
        const user = named.user(userName);
        return user === undefined ? null : { source: named, user, schema: named.config.database };
      }
    }
    for (const source of this.sources.values()) {
      const user = source.user(userName);
      if (user !== undefined) return { source, user, schema: database || source.config.database };
    }
    return null;
  }

  nextConnectionId(): number {
    this.lastConnectionId = (this.lastConnectionId + 1) >>> 0 || 1;
    return this.lastConnectionId;
  }

  reload(listener: MysqlListenerConfig, sources: readonly MysqlSourceConfig[]): void {
    // New certificates apply to new connections; a bad file keeps the old context (and says so).
    try {
      this.clientTls = clientTlsContext(listener.client_tls, 'listeners.mysql.client_tls');
    } catch (err) {
      this.log.error({ err }, 'client_tls not reloaded; the previous certificates stay in use');
    }
    this.handshakeGate.setRate(listener.client_tls.busy_handshake_rate);
    this.listener = listener;
    this.net.maxConnections = listener.max_client_conn;
    for (const [name, s] of this.sources) {
      if (sources.some((c) => c.name === name)) continue;
      this.sources.delete(name);
      void s.close();
    }
    for (const c of sources) {
      const s = this.sources.get(c.name);
      if (s === undefined) this.sources.set(c.name, new MysqlSource(c, this.log, listener.max_packet_size));
      else s.reload(c);
    }
  }

  stopAccepting(): void { this.net.stop(); }

  /** Clients close now; pools wait for connections in use up to the shutdown deadline. */
  async close(): Promise<void> {
    this.stopAccepting();
    this.handshakeGate.close();
    for (const c of this.clients) c.close();
    await Promise.all([...this.sources.values()].map((s) => s.close()));
  }
}
