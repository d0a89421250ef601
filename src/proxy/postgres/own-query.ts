/**
 * Sluice's own queries on an idle server connection (server_check_query, server_reset_query,
 * health probes): a quiet owner takes the connection for the query, swallows its output (or
 * hands each row's text values to `onRow`) and settles on ReadyForQuery.
 */
import { ServerLostError } from '../../errors.js';
import { B, TX_IDLE } from '../../wire/postgres/constants.js';
import { readNoticeFields } from '../../wire/postgres/fields.js';
import { serialize } from '../../wire/postgres/frontend-messages.js';
import type { ClientOutput } from './forwarder.js';
import { Act, Req } from './request-queue.js';
import type { PgServerConnection, ServerOwner } from './server-connection.js';

export type RowValues = (string | null)[];

/** Resolves on ReadyForQuery 'I'; rejects on an error, an open transaction, a lost server or the timeout. */
export function runOwnQuery(conn: PgServerConnection, sql: string, timeoutMs: number, onRow?: (values: RowValues) => void): Promise<void> {
  return runOwn(conn, sql, timeoutMs, onRow, () => {
    conn.queue.push(Req.Query, Act.Forward);
    conn.socket.write(serialize.query(sql));
  });
}

/**
 * As runOwnQuery, with `$1`... bound to `params` as text through the extended protocol, so a
 * value (a user name typed by a client) never becomes part of the SQL text.
 */
export function runOwnQueryWithParams(conn: PgServerConnection, sql: string, params: readonly string[], timeoutMs: number, onRow?: (values: RowValues) => void): Promise<void> {
  return runOwn(conn, sql, timeoutMs, onRow, () => {
    for (const kind of [Req.Parse, Req.Bind, Req.Execute, Req.Sync]) conn.queue.push(kind, Act.Forward);
    conn.socket.write(Buffer.concat([serialize.parse({ text: sql }), serialize.bind({ values: [...params] }), serialize.execute(), serialize.sync()]));
  });
}

function runOwn(conn: PgServerConnection, sql: string, timeoutMs: number, onRow: ((values: RowValues) => void) | undefined, send: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const owner = new QuietOwner(conn, resolve, reject, onRow);
    const timer = setTimeout(() => owner.onServerLost(`query "${sql}" timed out after ${timeoutMs} ms`), timeoutMs);
    owner.done = () => clearTimeout(timer);
    conn.attach(owner);
    send();
  });
}

class QuietOwner implements ServerOwner {
  readonly out: ClientOutput;
  done: () => void = () => {};
  private failed: string | null = null;
  private readonly conn: PgServerConnection;
  private readonly resolve: () => void;
  private readonly reject: (err: Error) => void;

  constructor(conn: PgServerConnection, resolve: () => void, reject: (err: Error) => void, onRow?: (values: RowValues) => void) {
    this.conn = conn;
    this.resolve = resolve;
    this.reject = reject;
    this.out = {
      forward: (buf, start, end) => {
        // The server's own words ("permission denied for view pg_shadow") tell the operator what to fix.
        if (buf[start] === B.ErrorResponse) this.failed = `server answered with an error: ${readNoticeFields(buf, start, end).get('M') ?? 'unknown error'}`;
        else if (buf[start] === B.DataRow && onRow !== undefined) onRow(dataRowValues(buf, start, end));
      },
      send() {},
      flush() {},
    };
  }

  onReadyForQuery(status: number, settled: boolean): void {
    if (!settled) return;
    this.done();
    this.conn.detach();
    if (this.failed !== null || status !== TX_IDLE) this.reject(new ServerLostError(this.failed ?? 'server left a transaction open'));
    else this.resolve();
  }

  onSettingsRejected(): void { this.failed = 'server refused a setting'; }

  onServerLost(reason: string): void {
    this.done();
    this.conn.detach();
    this.conn.close(reason);
    this.reject(new ServerLostError(reason));
  }

  onParameterStatus(): void {}
  onStatementPrepared(): void {}
  onStatementFailed(): void {}
  onStatementsDiscarded(): void {}
  onServerDrained(): void {}
}

/** A DataRow's columns as text (the simple protocol sends text), NULL as null. */
function dataRowValues(buf: Buffer, start: number, end: number): RowValues {
  const values: RowValues = [];
  const count = buf.readInt16BE(start + 5);
  let o = start + 7;
  for (let i = 0; i < count && o + 4 <= end; i++) {
    const len = buf.readInt32BE(o);
    o += 4;
    if (len < 0) {
      values.push(null);
      continue;
    }
    values.push(buf.toString('utf8', o, o + len));
    o += len;
  }
  return values;
}
