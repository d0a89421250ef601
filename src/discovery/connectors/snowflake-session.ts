/**
 * One snowflake-sdk connection used by discovery, with promises instead of callbacks and the
 * driver's errors turned into discovery's typed ones. Every value comes back as text, so a
 * NUMBER(38,0) keeps all its digits and samples look the same as from the other sources.
 */
import snowflake from 'snowflake-sdk';
import type { ConnectorLimits, DiscoveryTarget, SnowflakeLogin } from '../connector.js';
import { DiscoveryError } from '../errors.js';

const ALL_AS_TEXT: snowflake.DataType[] = ['String', 'Boolean', 'Number', 'Date', 'JSON', 'Buffer'];

/** The driver's global settings, applied once: its own logger quiet (Sluice logs the errors it returns). */
let configured = false;
function configureDriver(): void {
  if (configured) return;
  snowflake.configure({ logLevel: 'OFF' });
  // The driver reports the shape of each connection's options to the account after login; discovery opts out.
  process.env['SF_TELEMETRY_DISABLE_CONNECTION_SHAPE'] ??= '1';
  configured = true;
}

function connectionOptions(target: DiscoveryTarget, login: SnowflakeLogin, limits: ConnectorLimits): snowflake.ConnectionOptions {
  return {
    account: login.account, accessUrl: login.accessUrl, username: target.user ?? '', application: 'sluice-discovery',
    ...(login.privateKey === undefined
      ? { password: target.password ?? '' }
      : { authenticator: 'SNOWFLAKE_JWT', privateKey: login.privateKey, ...(login.privateKeyPassphrase !== undefined && { privateKeyPass: login.privateKeyPassphrase }) }),
    ...(login.warehouse !== undefined && { warehouse: login.warehouse }),
    ...(login.role !== undefined && { role: login.role }),
    // Credentials stay in Sluice's config; nothing is cached on disk or sent as telemetry.
    clientStoreTemporaryCredential: false, clientRequestMFAToken: false, queryTag: 'sluice-discovery',
    // The driver would retry a refused login 7 times over minutes, past the run's own bound, and
    // keep retrying after discovery gave up; one attempt, each request bounded by the statement timeout.
    sfRetryMaxLoginRetries: 0, timeout: limits.statementTimeoutMs,
  };
}

export class SnowflakeSession {
  private constructor(private readonly connection: snowflake.Connection, private readonly target: DiscoveryTarget) {}

  static async open(target: DiscoveryTarget, limits: ConnectorLimits): Promise<SnowflakeSession> {
    const login = target.snowflake;
    if (!login) throw new DiscoveryError('SLUICE_DISCOVERY_UNSUPPORTED', `source "${target.source}" has no Snowflake account to discover`);
    configureDriver();
    const connection = snowflake.createConnection(connectionOptions(target, login, limits));
    const failed = (err: unknown) => new DiscoveryError('SLUICE_DISCOVERY_CONNECT',
      `discovery could not log in to Snowflake account "${login.account}" at ${login.accessUrl} for source "${target.source}": ${(err as Error).message}; check the account, user and credentials`, { cause: err });
    let timer: NodeJS.Timeout | undefined;
    try {
      // The whole login (TLS, OCSP, authentication) within the run's statement timeout, whatever the driver's own steps take.
      await Promise.race([
        new Promise<void>((resolve, reject) => connection.connect((err) => (err ? reject(err) : resolve()))),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${limits.statementTimeoutMs} ms`)), limits.statementTimeoutMs); }),
      ]);
    } catch (err) {
      connection.destroy(() => {});
      throw failed(err);
    } finally {
      clearTimeout(timer);
    }
    const session = new SnowflakeSession(connection, target);
    try {
      await session.rows(`ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = ${Math.max(1, Math.ceil(limits.statementTimeoutMs / 1000))}`);
    } catch (err) {
      await session.close();
      throw err;
    }
    return session;
  }

  /** Rows as objects keyed by column name; a failure fails the run (SLUICE_DISCOVERY_QUERY). */
  async rows<R>(sql: string): Promise<R[]> {
    return this.execute<R>(sql, [], 'object');
  }

  /**
   * Rows as arrays for sampling. An error the server answered with (it has a SQLSTATE: no
   * privilege, a view that fails) is SLUICE_DISCOVERY_SAMPLE, so the run skips that dataset.
   */
  async arrays(sql: string, binds: readonly string[] = []): Promise<(string | null)[][]> {
    try {
      return await this.execute<(string | null)[]>(sql, binds, 'array');
    } catch (err) {
      const answered = typeof ((err as DiscoveryError).cause as { sqlState?: unknown } | undefined)?.sqlState === 'string';
      if (!answered) throw err;
      throw new DiscoveryError('SLUICE_DISCOVERY_SAMPLE', (err as Error).message, { cause: (err as Error).cause });
    }
  }

  private execute<R>(sqlText: string, binds: readonly string[], rowMode: 'object' | 'array'): Promise<R[]> {
    return new Promise((resolve, reject) => {
      this.connection.execute({
        sqlText, binds: [...binds], rowMode, fetchAsString: ALL_AS_TEXT,
        complete: (err, _stmt, rows) => {
          if (err) reject(new DiscoveryError('SLUICE_DISCOVERY_QUERY', `snowflake discovery query failed for source "${this.target.source}": ${err.message}`, { cause: err }));
          else resolve((rows ?? []) as R[]);
        },
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.connection.destroy(() => resolve()));
  }
}
