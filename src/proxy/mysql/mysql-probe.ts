/**
 * MySQL's health probe: one kept connection per host, logged in as the source's first user.
 * `SELECT @@read_only, @@innodb_read_only` tells the role: either one on (read_only, implied
 * by MySQL's super_read_only; innodb_read_only on Aurora readers and read-only MariaDB/MySQL
 * data directories) makes the host a replica, both off the primary. A read-only host is then
 * asked `SHOW REPLICA STATUS` (MariaDB ≥ 10.5, MySQL ≥ 8.0.22; `SHOW SLAVE STATUS` on older
 * servers, remembered per host) for Seconds_Behind_Master / Seconds_Behind_Source: that is
 * the host's lag, which replica_lag_max judges. NULL there (replication stopped or broken)
 * is lag beyond any limit. The round trip of the first query is the host's latency. A
 * failed or aborted probe closes the connection so the next one starts clean.
 */
import type { Logger } from 'pino';
import type { MysqlSourceConfig } from '../../config/types.js';
import type { ProbeFn } from '../../health/prober.js';
import type { ProbeResult } from '../../health/types.js';
import type { RoutedHost } from '../../router/host-set.js';
import { KeptConnections } from '../../health/kept-connections.js';
import { CLIENT_PROTOCOL_41, CLIENT_TRANSACTIONS, DEFAULT_CHARSET } from '../../wire/mysql/index.js';
import { queryPayload } from './session-state.js';
import { MysqlServerConnection } from './server-connection.js';
import { serverTlsFor } from '../tls/server-tls-connect.js';
import { firstRowByName, rowCells } from './text-result.js';

export const PROBE_INTERVAL_MS = 1000;
export const PROBE_TIMEOUT_MS = 1000;
const ROLE = queryPayload('SELECT @@read_only, @@innodb_read_only');
const REPLICA_STATUS = queryPayload('SHOW REPLICA STATUS');
const SLAVE_STATUS = queryPayload('SHOW SLAVE STATUS');
/** ER_PARSE_ERROR: the server predates SHOW REPLICA STATUS. */
const ER_PARSE_ERROR = 1064;

/** A status row's lag: seconds, Infinity when replication is stopped (NULL), null when the row has no such column. */
export function lagOf(status: ReadonlyMap<string, string | null>): number | null {
  const column = status.has('Seconds_Behind_Source') ? 'Seconds_Behind_Source' : 'Seconds_Behind_Master';
  if (!status.has(column)) return null;
  const value = status.get(column) ?? null;
  if (value === null) return Infinity;
  const seconds = Number(value);
  return Number.isFinite(seconds) ? seconds : null;
}

/** Whether the role row says read-only; null when the server answered no row. */
export function readOnlyOf(row: Buffer | null): boolean | null {
  if (row === null) return null;
  const [readOnly, innodbReadOnly] = rowCells(row, 2);
  return isOn(readOnly ?? null) || isOn(innodbReadOnly ?? null);
}

function isOn(v: string | null): boolean {
  return v !== null && v !== '0' && v.toUpperCase() !== 'OFF';
}

export class MysqlProbe {
  private readonly kept = new KeptConnections<RoutedHost, MysqlServerConnection>((host) => this.open(host));
  /** Hosts that answered SHOW REPLICA STATUS with a syntax error: asked SHOW SLAVE STATUS from then on. */
  private readonly oldSyntax = new WeakSet<RoutedHost>();

  constructor(private readonly source: () => MysqlSourceConfig, private readonly log: Logger) {}

  readonly probe: ProbeFn<RoutedHost> = async (host, signal) => {
    const started = performance.now();
    return this.kept.probe(host, signal, async (conn): Promise<ProbeResult> => {
      const r = await conn.run(ROLE, 'last');
      if (r.err !== null) throw new Error(`SELECT @@read_only, @@innodb_read_only: ${r.err.message}`);
      const latencyMs = performance.now() - started;
      const readOnly = readOnlyOf(r.lastData);
      const lagSeconds = readOnly === true ? await this.lag(host, conn) : null;
      return { latencyMs, inRecovery: readOnly, lagSeconds };
    });
  };

  close(): void {
    this.kept.closeAll('source closed');
  }

  /** The replica's lag; null when it does not replicate or the probe user may not see its status. */
  private async lag(host: RoutedHost, conn: MysqlServerConnection): Promise<number | null> {
    let r = await conn.run(this.oldSyntax.has(host) ? SLAVE_STATUS : REPLICA_STATUS, 'all');
    if (r.err !== null && r.err.errno === ER_PARSE_ERROR && !this.oldSyntax.has(host)) {
      this.oldSyntax.add(host);
      r = await conn.run(SLAVE_STATUS, 'all');
    }
    if (r.err !== null) {
      // Most often a missing privilege (REPLICATION CLIENT, or SLAVE MONITOR on MariaDB ≥ 10.5).
      this.log.debug({ host: host.key, err: r.err.message }, 'replica status unavailable to the probe user');
      return null;
    }
    const status = firstRowByName(r.data ?? []);
    return status === null ? null : lagOf(status);
  }

  private open(host: RoutedHost): Promise<MysqlServerConnection> {
    const source = this.source();
    const user = source.users[0]!;
    return MysqlServerConnection.connect({
      host,
      creds: { user: user.server_user ?? user.name, password: user.server_password ?? user.password, database: '' },
      profile: { capabilities: CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS, mariadbCapabilities: 0, charset: DEFAULT_CHARSET },
      timeoutMs: PROBE_TIMEOUT_MS,
      maxPayload: 1024 * 1024,
      maxPreparedStatements: 0,
      tls: serverTlsFor(source.server_tls, source.name),
      log: this.log,
    });
  }
}
