/**
 * What a successful answer changes in the client's session, as Sluice keeps it: the last
 * insert id and the schema from the OK packet, a SET recorded for replay, a USE followed, a
 * prepared statement entered in the global cache, a reset forgotten on the connection too.
 */
import {
  COM_RESET_CONNECTION, COM_STMT_PREPARE, HEADER_SIZE, OK_HEADER, PACKET_FIRST, SERVER_SESSION_STATE_CHANGED, SERVER_STATUS_AUTOCOMMIT, lenencLength, parseOk,
} from '../../wire/mysql/index.js';
import type { Command } from './command.js';
import type { MysqlServerConnection } from './server-connection.js';
import type { ClientSessionState } from './session-state.js';
import { stmtClose } from './session-sync.js';
import type { ClientStatement, StatementCache } from './statements.js';

/**
 * A packet of the answer to a COM_STMT_PREPARE on its way to the client: the prepare OK gets
 * the client's statement id in place of the server's, and the answer is kept for the cache.
 */
export function capturePrepare(prepare: NonNullable<Command['prepare']>, buf: Buffer, start: number, end: number, part: number): void {
  if (part & PACKET_FIRST && prepare.capture.length === 0 && buf[start + HEADER_SIZE] === OK_HEADER) {
    prepare.serverId = buf.readUInt32LE(start + HEADER_SIZE + 1);
    buf.writeUInt32LE(prepare.clientId, start + HEADER_SIZE + 1);
  }
  prepare.capture.push(Buffer.from(buf.subarray(start, end)));
}

/** The OK payload at buf[start, end). LAST_INSERT_ID is the client's own: only an insert that made an id changes it. */
export function applyOk(state: ClientSessionState, conn: MysqlServerConnection, buf: Buffer, start: number, end: number): void {
  let p = start + 1;
  p += lenencLength(buf[p]!);
  const n = lenencLength(buf[p]!);
  if (n === 1 ? buf[p] !== 0 : n > 1) {
    const id = parseOk(buf.subarray(start, end), conn.capabilities).lastInsertId;
    state.lastInsertId = id;
    conn.lastInsertId = id;
  }
  if (conn.tracker.statusFlags & SERVER_SESSION_STATE_CHANGED) {
    for (const c of parseOk(buf.subarray(start, end), conn.capabilities).sessionStateChanges) {
      if (c.type === 'schema') state.schema = conn.schema = c.name;
    }
  }
}

/** Returns false when the session must be pinned instead (too many SET statements to replay). */
export function applySuccess(state: ClientSessionState, statements: Map<number, ClientStatement>, cache: StatementCache, conn: MysqlServerConnection, cmd: Command): boolean {
  let replayable = true;
  state.autocommit = (conn.tracker.statusFlags & SERVER_STATUS_AUTOCOMMIT) !== 0;
  if (cmd.setNames !== null) {
    if (state.recordSet(cmd.setNames, cmd.packets[0]!.subarray(HEADER_SIZE + 1))) conn.stateKey = state.key;
    else replayable = false;
  }
  if (cmd.schema !== null) state.schema = conn.schema = cmd.schema;
  if (cmd.prepare !== null && cmd.code === COM_STMT_PREPARE) {
    const text = cmd.packets.length === 1 ? cmd.packets[0]!.subarray(HEADER_SIZE) : Buffer.concat(cmd.packets.map((p) => p.subarray(HEADER_SIZE)));
    const global = cache.add(state.schema, text, conn.tracker.paramCount, Buffer.concat(cmd.prepare.capture));
    statements.set(cmd.prepare.clientId, { global, types: null });
    const evicted = conn.statements.add(global.id, cmd.prepare.serverId);
    // COM_STMT_CLOSE has no answer: the connection is free for the next command at once.
    if (evicted !== undefined) void conn.run(stmtClose(evicted));
  }
  if (cmd.code === COM_RESET_CONNECTION) {
    conn.stateKey = '';
    conn.lastInsertId = 0n;
    conn.statements.clear();
  }
  return replayable;
}
