/**
 * PostgreSQL's health probe: one kept connection per host, logged in as the source's first
 * user, asked whether it is in recovery and how far its replay lags. The latency is the round
 * trip of that query; a failed or aborted probe closes the connection so the next one starts
 * clean (a half-answered query must never be read as the next probe's answer). Under
 * read_write_split the same connection also loads, once a minute, which functions the
 * database declares STABLE or IMMUTABLE: the parse-tree classifier lets calls of those go to
 * replicas. The catalog is the same on every host of a physical replica set, so whichever
 * host's probe comes due first loads it.
 */
import type { Logger } from 'pino';
import type { PostgresSourceConfig } from '../../config/types.js';
import type { ProberOptions, ProbeFn } from '../../health/prober.js';
import type { ProbeResult } from '../../health/types.js';
import { KeptConnections } from '../../health/kept-connections.js';
import type { FunctionRow, FunctionVolatility } from '../../router/function-volatility.js';
import type { RoutedHost } from '../../router/host-set.js';
import { runOwnQuery, type RowValues } from './own-query.js';
import { serverTlsFor } from './server-tls.js';
import { PgServerConnection } from './server-connection.js';

/** On a primary both LSN functions return NULL, so the lag is NULL there; on a caught-up replica 0. */
const PROBE_SQL = `SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END`;

/** Per schema and name: are all its overloads STABLE or IMMUTABLE? Procedures cannot be called from a query. */
const FUNCTIONS_SQL = `SELECT n.nspname, p.proname, bool_and(p.provolatile <> 'v') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind <> 'p' GROUP BY 1, 2`;
/** How often the function volatility is loaded again: new and altered functions are seen within this. */
export const FUNCTIONS_REFRESH_MS = 60_000;

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

  /** Clock time (ms) when the function volatility is next due to load. */
  private functionsDueAt = 0;

  constructor(private readonly source: () => PostgresSourceConfig, private readonly log: Logger, private readonly volatility: FunctionVolatility) {}

  readonly probe: ProbeFn<RoutedHost> = async (host, signal) => {
    const started = performance.now();
    return this.kept.probe(host, signal, async (conn) => {
      let row: (string | null)[] = [];
      await runOwnQuery(conn, PROBE_SQL, probeTimeout(this.source()), (values) => { row = values; });
      const result = parseProbeRow(row, performance.now() - started);
      if (this.source().routing?.read_write_split === true && Date.now() >= this.functionsDueAt) await this.loadFunctions(conn, host);
      return result;
    });
  };

  close(): void {
    this.kept.closeAll('source closed');
  }

  /** A failure keeps the last set and retries at the next probe; the probe itself still counts as answered. */
  private async loadFunctions(conn: PgServerConnection, host: RoutedHost): Promise<void> {
    this.functionsDueAt = Date.now() + FUNCTIONS_REFRESH_MS;
    const rows: FunctionRow[] = [];
    try {
      await runOwnQuery(conn, FUNCTIONS_SQL, probeTimeout(this.source()), (values) => rows.push(functionRow(values)));
      this.volatility.replace(rows, Date.now());
    } catch (err) {
      this.functionsDueAt = 0;
      // Its answer may still arrive: the next probe must start on a fresh connection.
      conn.close('function volatility query failed');
      this.log.warn({ host: host.key, err: err instanceof Error ? err.message : String(err) }, 'could not load function volatility; calls of user functions go to the primary until it loads');
    }
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

function functionRow(values: RowValues): FunctionRow {
  return { schema: values[0] ?? '', name: values[1] ?? '', nonVolatile: values[2] === 't' };
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
