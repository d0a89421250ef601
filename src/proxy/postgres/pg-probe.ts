/**
 * PostgreSQL's health probe: one kept connection per host, logged in as the source's first
 * user, asked whether it is in recovery and how far its replay lags. The latency is the round
 * trip of that query; a failed or aborted probe closes the connection so the next one starts
 * clean (a half-answered query must never be read as the next probe's answer).
 */
import type { Logger } from 'pino';
import type { PostgresSourceConfig } from '../../config/types.js';
import type { ProbeFn } from '../../health/prober.js';
import type { ProbeResult } from '../../health/types.js';
import type { RoutedHost } from '../../router/host-set.js';
import { runOwnQuery } from './own-query.js';
import { PgServerConnection } from './server-connection.js';

/** On a primary both LSN functions return NULL, so the lag is NULL there; on a caught-up replica 0. */
const PROBE_SQL = `SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END`;

export const PROBE_INTERVAL_MS = 2000;
/** How operators (and tests) tell the probe's connection from the pools' in pg_stat_activity. */
export const PROBE_APPLICATION_NAME = 'sluice-probe';
export const PROBE_TIMEOUT_MS = 1000;

export class PgProbe {
  private readonly conns = new Map<RoutedHost, PgServerConnection>();

  constructor(private readonly source: () => PostgresSourceConfig, private readonly log: Logger) {}

  readonly probe: ProbeFn<RoutedHost> = async (host, signal) => {
    const onAbort = (): void => this.drop(host, 'probe aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const started = performance.now();
      const conn = await this.connection(host, signal);
      let row: (string | null)[] = [];
      await runOwnQuery(conn, PROBE_SQL, PROBE_TIMEOUT_MS, (values) => { row = values; });
      return parseProbeRow(row, performance.now() - started);
    } catch (err) {
      this.drop(host, 'probe failed');
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };

  close(): void {
    for (const host of [...this.conns.keys()]) this.drop(host, 'source closed');
  }

  private async connection(host: RoutedHost, signal: AbortSignal): Promise<PgServerConnection> {
    const open = this.conns.get(host);
    if (open !== undefined && !open.closed) return open;
    const cfg = this.source();
    const user = cfg.users[0]!;
    const conn = await PgServerConnection.connect({
      host,
      applicationName: PROBE_APPLICATION_NAME,
      creds: { user: user.server_user ?? user.name, password: user.server_password ?? user.password, database: cfg.database },
      timeoutMs: PROBE_TIMEOUT_MS,
      maxPreparedStatements: 0,
      maxMessageSize: 1024 * 1024,
      log: this.log,
    });
    if (signal.aborted) {
      conn.close('probe aborted');
      throw new Error('probe aborted');
    }
    this.conns.set(host, conn);
    return conn;
  }

  private drop(host: RoutedHost, reason: string): void {
    const conn = this.conns.get(host);
    this.conns.delete(host);
    if (conn !== undefined && !conn.closed) conn.close(reason);
  }
}

/** `t`/`f` and the lag in seconds (NULL on a primary). */
export function parseProbeRow(row: readonly (string | null)[], latencyMs: number): ProbeResult {
  const recovery = row[0];
  const lag = row[1];
  return {
    latencyMs,
    inRecovery: recovery === 't' ? true : recovery === 'f' ? false : null,
    lagSeconds: lag === null || lag === undefined ? null : Number(lag),
  };
}
