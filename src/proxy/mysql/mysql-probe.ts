/**
 * MySQL's health probe: one kept connection per host, logged in as the source's first user,
 * asked `SELECT @@read_only`: the round trip is the host's latency, and a read-only server is
 * a replica, a writable one the primary (MySQL's super_read_only implies read_only). Replica
 * lag is not measured yet. A failed or aborted probe closes the connection so the next one
 * starts clean.
 */
import type { Logger } from 'pino';
import type { MysqlSourceConfig } from '../../config/types.js';
import type { ProbeFn } from '../../health/prober.js';
import type { RoutedHost } from '../../router/host-set.js';
import { KeptConnections } from '../../health/kept-connections.js';
import { CLIENT_PROTOCOL_41, CLIENT_TRANSACTIONS, DEFAULT_CHARSET, PayloadReader } from '../../wire/mysql/index.js';
import { queryPayload } from './session-state.js';
import { MysqlServerConnection } from './server-connection.js';

export const PROBE_INTERVAL_MS = 1000;
export const PROBE_TIMEOUT_MS = 1000;
const READ_ONLY = queryPayload('SELECT @@read_only');

/** The first column of a text-protocol row, or null for SQL NULL. */
function firstColumn(row: Buffer): string | null {
  if (row[0] === 0xfb) return null;
  return new PayloadReader(row).lenencString();
}

export class MysqlProbe {
  private readonly kept = new KeptConnections<RoutedHost, MysqlServerConnection>((host) => this.open(host));

  constructor(private readonly source: () => MysqlSourceConfig, private readonly log: Logger) {}

  readonly probe: ProbeFn<RoutedHost> = async (host, signal) => {
    const started = performance.now();
    return this.kept.probe(host, signal, async (conn) => {
      const r = await conn.run(READ_ONLY, true);
      if (r.err !== null) throw new Error(`SELECT @@read_only: ${r.err.message}`);
      const value = r.lastData === null ? null : firstColumn(r.lastData);
      return { latencyMs: performance.now() - started, inRecovery: value === null ? null : value !== '0', lagSeconds: null };
    });
  };

  close(): void {
    this.kept.closeAll('source closed');
  }

  private open(host: RoutedHost): Promise<MysqlServerConnection> {
    const user = this.source().users[0]!;
    return MysqlServerConnection.connect({
      host,
      creds: { user: user.server_user ?? user.name, password: user.server_password ?? user.password, database: '' },
      profile: { capabilities: CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS, mariadbCapabilities: 0, charset: DEFAULT_CHARSET },
      timeoutMs: PROBE_TIMEOUT_MS,
      maxPayload: 1024 * 1024,
      maxPreparedStatements: 0,
      log: this.log,
    });
  }
}
