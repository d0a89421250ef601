/**
 * PostgreSQL's health probe: one kept connection per host, logged in as the source's first
 * user, asked whether it is in recovery and how far its replay lags. The latency is the round
 * trip of that query; a failed or aborted probe closes the connection so the next one starts
 * clean (a half-answered query must never be read as the next probe's answer).
 */
import type { Logger } from 'pino';
import type { PostgresSourceConfig } from '../../config/types.js';
import type { ProberOptions, ProbeFn } from '../../health/prober.js';
import type { ProbeResult } from '../../health/types.js';
import { KeptConnections } from '../../health/kept-connections.js';
import type { RoutedHost } from '../../router/host-set.js';
import { runOwnQuery } from './own-query.js';
import { serverTlsFor } from './server-tls.js';
import { PgServerConnection } from './server-connection.js';

/** On a primary both LSN functions return NULL, so the lag is NULL there; on a caught-up replica 0. */
const PROBE_SQL = `SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END`;

/** How operators (and tests) tell the probe's connection from the pools' in pg_stat_activity. */
export const PROBE_APPLICATION_NAME = 'sluice-probe';
/** The source's `health:` block, or its defaults (schema.ts HEALTH_DEFAULTS). */
const DEFAULT_PROBE_MS = 1000;

export function probeSettings(cfg: PostgresSourceConfig): ProberOptions {
  return { intervalMs: cfg.health?.probe_interval ?? DEFAULT_PROBE_MS, timeoutMs: probeTimeout(cfg) };
}

function probeTimeout(cfg: PostgresSourceConfig): number {
  return cfg.health?.probe_timeout ?? DEFAULT_PROBE_MS;
}

export class PgProbe {
  private readonly kept = new KeptConnections<RoutedHost, PgServerConnection>((host) => this.open(host));

  constructor(private readonly source: () => PostgresSourceConfig, private readonly log: Logger) {}

  readonly probe: ProbeFn<RoutedHost> = async (host, signal) => {
    const started = performance.now();
    return this.kept.probe(host, signal, async (conn) => {
      let row: (string | null)[] = [];
      await runOwnQuery(conn, PROBE_SQL, probeTimeout(this.source()), (values) => { row = values; });
      return parseProbeRow(row, performance.now() - started);
    });
  };

  close(): void {
    this.kept.closeAll('source closed');
  }

  private open(host: RoutedHost): Promise<PgServerConnection> {
    const cfg = this.source();
    const user = cfg.users[0]!;
    return PgServerConnection.connect({
      host,
      applicationName: PROBE_APPLICATION_NAME,
      creds: { user: user.server_user ?? user.name, password: user.server_password ?? user.password, database: cfg.database },
      timeoutMs: probeTimeout(cfg),
      maxPreparedStatements: 0,
      maxMessageSize: 1024 * 1024,
      log: this.log,
      tls: serverTlsFor(cfg.server_tls, cfg.name),
    });
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
