/**
 * Brings a server connection to the session its client believes it has, before the client's
 * command goes out: session variables (reset, then the client's SET statements replayed in
 * order), the schema (or none: a client that named none never sees another's), LAST_INSERT_ID when the command reads it, and the prepared statement
 * the command names (lazily prepared on this connection). A no-op in the common case, checked
 * first without a promise.
 */
import { COM_RESET_CONNECTION, COM_STMT_CLOSE, type ErrPacket } from '../../wire/mysql/index.js';
import type { Pool } from '../../pool/pool.js';
import type { Command } from './command.js';
import type { MysqlServerConnection } from './server-connection.js';
import { type ClientSessionState, initDbPayload, queryPayload } from './session-state.js';

const RESET = Buffer.from([COM_RESET_CONNECTION]);

/** A client that named no schema on a connection another client left in one (its command does not choose one itself). */
function mustLeaveSchema(conn: MysqlServerConnection, state: ClientSessionState, cmd: Command): boolean {
  return state.schema === '' && conn.schema !== '' && cmd.schema === null;
}

export function needsSync(conn: MysqlServerConnection, state: ClientSessionState, cmd: Command): boolean {
  return mustLeaveSchema(conn, state, cmd)
    || conn.stateKey !== state.key
    || (state.schema !== '' && state.schema !== conn.schema && cmd.schema === null)
    || (cmd.needsInsertId && conn.lastInsertId !== state.lastInsertId)
    || (cmd.stmt !== null && conn.statements.get(cmd.stmt.global.id) === undefined);
}

/** Drop everything the server session holds: variables, temporary tables, locks, statements. */
export async function resetConnection(conn: MysqlServerConnection): Promise<ErrPacket | null> {
  const r = await conn.run(RESET);
  conn.stateKey = '';
  conn.lastInsertId = 0n;
  conn.statements.clear();
  return r.err;
}

/** Null when the connection is ready; else the server's error, for the client. Rejects when it is lost. */
export async function syncConnection(conn: MysqlServerConnection, state: ClientSessionState, cmd: Command): Promise<ErrPacket | null> {
  // COM_RESET_CONNECTION keeps the schema; COM_CHANGE_USER (a new authentication, about two round trips) leaves it.
  if (mustLeaveSchema(conn, state, cmd)) await conn.leaveSchema();
  if (conn.stateKey !== state.key) {
    if (conn.stateKey !== '') {
      const err = await resetConnection(conn);
      if (err !== null) return err;
    }
    for (const set of state.replay) {
      const r = await conn.run(set);
      if (r.err !== null) return r.err;
    }
    conn.stateKey = state.key;
  }
  if (state.schema !== '' && state.schema !== conn.schema && cmd.schema === null) {
    const r = await conn.run(initDbPayload(state.schema));
    if (r.err !== null) return r.err;
    conn.schema = state.schema;
  }
  if (cmd.needsInsertId && conn.lastInsertId !== state.lastInsertId) {
    // LAST_INSERT_ID(n) sets the value the next LAST_INSERT_ID() of this session returns.
    const r = await conn.run(queryPayload(`SELECT LAST_INSERT_ID(${state.lastInsertId})`));
    if (r.err !== null) return r.err;
    conn.lastInsertId = state.lastInsertId;
  }
  const stmt = cmd.stmt?.global;
  if (stmt !== undefined && conn.statements.get(stmt.id) === undefined) {
    const r = await conn.run(stmt.prepare);
    if (r.err !== null) return r.err;
    const evicted = conn.statements.add(stmt.id, r.statementId);
    if (evicted !== undefined) await conn.run(stmtClose(evicted));
  }
  return null;
}

/**
 * A client leaves (or changes user) holding `conn`: a connection cut mid-response is closed;
 * one with session state the next client must not see is reset first.
 */
export function returnConnection(pool: Pool<MysqlServerConnection>, conn: MysqlServerConnection, dirty: boolean, midResponse: boolean): void {
  conn.sink = null;
  if (midResponse || !conn.tracker.done) {
    pool.release(conn, false);
    return;
  }
  if (!dirty && conn.tracker.releasable) {
    pool.release(conn, true);
    return;
  }
  resetConnection(conn).then((err) => pool.release(conn, err === null), () => pool.release(conn, false));
}

export function stmtClose(serverId: number): Buffer {
  const b = Buffer.allocUnsafe(5);
  b[0] = COM_STMT_CLOSE;
  b.writeUInt32LE(serverId, 1);
  return b;
}
