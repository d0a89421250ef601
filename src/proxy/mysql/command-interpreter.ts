/**
 * What a client command means for the multiplexer, decided from its first packet: answered by
 * Sluice itself (COM_PING, COM_QUIT, a statement prepared before, COM_STMT_CLOSE...), or a
 * Command for a server connection, with the pins and session changes it implies.
 */
import { MysqlProtocolError } from '../../errors.js';
import {
  COM_CHANGE_USER, COM_INIT_DB, COM_PING, COM_QUERY, COM_QUIT, COM_RESET_CONNECTION, COM_SET_OPTION, COM_STMT_CLOSE,
  COM_STMT_EXECUTE, COM_STMT_FETCH, COM_STMT_PREPARE, COM_STMT_RESET, COM_STMT_SEND_LONG_DATA, CURSOR_TYPE_READ_ONLY,
  HEADER_SIZE, PACKET_LAST, QUERY_CALC_FOUND_ROWS, QUERY_CREATE_TEMPORARY, QUERY_GET_LOCK, QUERY_LOCK_TABLES, QUERY_SET,
  QUERY_TEXT_PREPARE, QUERY_UNLOCK_TABLES, QUERY_USE, QUERY_USER_VARIABLE, type QueryDetails, classifyQuery, framePayload,
} from '../../wire/mysql/index.js';
import { type Command, newCommand } from './command.js';
import type { MysqlRoute } from './context.js';
import { ER_UNKNOWN_STMT_HANDLER } from './errors.js';
import type { MysqlServerConnection } from './server-connection.js';
import type { ClientSessionState } from './session-state.js';
import type { ClientStatement } from './statements.js';

export interface SessionHost {
  readonly state: ClientSessionState;
  readonly route: MysqlRoute | null;
  readonly statements: Map<number, ClientStatement>;
  readonly conn: MysqlServerConnection | null;
  nextStatementId: number;
  /** The client id of the last COM_STMT_PREPARE: MariaDB's statement id 0xffffffff names it. */
  lastStatementId: number;
  pinned: boolean;
  lockTables: boolean;
  holdStatement: boolean;
  noBackslashEscapes: boolean;
  reply(packet: Buffer): void;
  replyOk(): void;
  quit(): void;
  /** COM_RESET_CONNECTION answered locally: the client's session is the defaults again. */
  resetSession(): void;
  changeUser(payload: Buffer): void;
}

/** Statements that bind the session to its connection for good. */
const PINS = QUERY_GET_LOCK | QUERY_USER_VARIABLE | QUERY_CREATE_TEMPORARY | QUERY_CALC_FOUND_ROWS | QUERY_TEXT_PREPARE;
// LAST_INSERT_ID(), @@last_insert_id and @@identity read the session's last insert id.
const INSERT_ID = Buffer.from('INSERT_ID');
const IDENTITY = Buffer.from('IDENTITY');

export function interpret(host: SessionHost, buf: Buffer, start: number, end: number, part: number): Command | null {
  const packet = buf.subarray(start, end);
  const payload = buf.subarray(start + HEADER_SIZE, end);
  if (payload.length === 0) throw new MysqlProtocolError('an empty command packet', 1047, '08S01');
  const code = payload[0]!;
  const partial = !(part & PACKET_LAST);
  switch (code) {
    case COM_QUIT:
      host.quit();
      return null;
    case COM_PING:
      host.replyOk();
      return null;
    case COM_QUERY:
      return query(host, newCommand(code, packet, partial), payload);
    case COM_INIT_DB: {
      const cmd = newCommand(code, packet, partial);
      cmd.schema = payload.toString('utf8', 1);
      return cmd;
    }
    case COM_SET_OPTION:
      // Turns multi-statements on or off in the server session: not replayable.
      host.pinned = true;
      return newCommand(code, packet, partial);
    case COM_RESET_CONNECTION:
      host.resetSession();
      if (host.conn === null) {
        host.replyOk();
        return null;
      }
      return newCommand(code, packet, partial);
    case COM_CHANGE_USER:
      host.changeUser(payload);
      return null;
    case COM_STMT_PREPARE:
      return prepare(host, newCommand(code, packet, partial), payload);
    case COM_STMT_EXECUTE:
      return execute(host, packet, payload, partial);
    case COM_STMT_SEND_LONG_DATA: {
      const stmt = host.statements.get(statementId(host, payload));
      // The server ignores long data for an unknown statement too; its execute will fail.
      if (stmt === undefined) return null;
      host.holdStatement = true;
      return withStatement(newCommand(code, packet, partial), stmt);
    }
    case COM_STMT_FETCH:
      return withStatement(newCommand(code, packet, partial), known(host, payload, 'mysqld_stmt_fetch'));
    case COM_STMT_RESET: {
      const stmt = known(host, payload, 'mysqld_stmt_reset');
      host.holdStatement = false;
      if (host.conn === null || host.conn.statements.get(stmt.global.id) === undefined) {
        // Nothing of it is on a server connection: there is nothing to reset.
        host.replyOk();
        return null;
      }
      return withStatement(newCommand(code, packet, partial), stmt);
    }
    case COM_STMT_CLOSE:
      host.statements.delete(statementId(host, payload));
      return null;
    default:
      return newCommand(code, packet, partial);
  }
}

function query(host: SessionHost, cmd: Command, payload: Buffer): Command {
  const details: QueryDetails = { setVariables: [], schema: null };
  const flags = classifyQuery(payload, 1, payload.length, host.noBackslashEscapes, details);
  if (flags & PINS) host.pinned = true;
  if (flags & QUERY_LOCK_TABLES) host.lockTables = true;
  if (flags & QUERY_UNLOCK_TABLES) host.lockTables = false;
  if (flags & QUERY_USE && details.schema !== null) cmd.schema = details.schema;
  if (flags & QUERY_SET && details.setVariables.length > 0) {
    // SET TRANSACTION without SESSION binds the next transaction to this connection.
    if (details.setVariables.includes('next transaction')) host.pinned = true;
    else cmd.setNames = details.setVariables;
  }
  cmd.needsInsertId = mentions(payload, INSERT_ID) || mentions(payload, IDENTITY);
  return cmd;
}

function prepare(host: SessionHost, cmd: Command, payload: Buffer): Command | null {
  const clientId = host.nextStatementId++;
  host.lastStatementId = clientId;
  const cached = cmd.partial ? undefined : host.route!.source.statements.get(host.state.schema, payload);
  if (cached !== undefined) {
    host.statements.set(clientId, { global: cached, types: null });
    const answer = Buffer.from(cached.response);
    answer.writeUInt32LE(clientId, HEADER_SIZE + 1);
    host.reply(answer);
    return null;
  }
  cmd.prepare = { clientId, serverId: 0, capture: [] };
  return cmd;
}

/**
 * Parameter types travel only with an execute that sets new-params-bound; the server connection
 * serving this one may never have seen them, so they are put back from the client's last ones.
 */
function execute(host: SessionHost, packet: Buffer, payload: Buffer, partial: boolean): Command {
  const stmt = known(host, payload, 'mysqld_stmt_execute');
  if (payload.length < 10) throw new MysqlProtocolError('a truncated COM_STMT_EXECUTE', 1835, '08S01');
  if (payload[5]! & CURSOR_TYPE_READ_ONLY) host.pinned = true;
  let first = packet;
  const n = stmt.global.paramCount;
  const boundAt = 10 + ((n + 7) >> 3);
  if (n > 0 && !partial && payload.length > boundAt) {
    if (payload[boundAt] === 1) {
      stmt.types = Buffer.from(payload.subarray(boundAt + 1, boundAt + 1 + 2 * n));
    } else if (stmt.types !== null) {
      first = framePayload(Buffer.concat([payload.subarray(0, boundAt), ONE, stmt.types, payload.subarray(boundAt + 1)]), 0);
    }
  }
  return withStatement(newCommand(COM_STMT_EXECUTE, first, partial), stmt);
}

const ONE = Buffer.from([1]);

/** `word` (upper-case ASCII) appears in the payload, whatever the letter case; no string is made. */
function mentions(payload: Buffer, word: Buffer): boolean {
  const last = payload.length - word.length;
  const head = word[0]!;
  for (let i = 1; i <= last; i++) {
    if ((payload[i]! & 0xdf) !== head) continue;
    let j = 1;
    while (j < word.length && (payload[i + j]! === word[j]! || (payload[i + j]! & 0xdf) === word[j]!)) j++;
    if (j === word.length) return true;
  }
  return false;
}

function withStatement(cmd: Command, stmt: ClientStatement): Command {
  cmd.stmt = stmt;
  return cmd;
}

/** MariaDB connectors pipeline a prepare and its execute, naming the statement 0xffffffff: "the one just prepared". */
const LAST_PREPARED = 0xffffffff;

function statementId(host: SessionHost, payload: Buffer): number {
  if (payload.length < 5) throw new MysqlProtocolError('a statement command without its statement id', 1835, '08S01');
  const id = payload.readUInt32LE(1);
  return id === LAST_PREPARED ? host.lastStatementId : id;
}

function known(host: SessionHost, payload: Buffer, where: string): ClientStatement {
  const id = statementId(host, payload);
  const stmt = host.statements.get(id);
  if (stmt === undefined) throw new MysqlProtocolError(`Unknown prepared statement handler (${id}) given to ${where}`, ER_UNKNOWN_STMT_HANDLER, 'HY000');
  return stmt;
}
