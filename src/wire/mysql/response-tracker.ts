/**
 * Follows a server's response to one command, packet by packet, to say when it is complete and
 * with which status flags: the proxy may hand the server connection back to the pool when the
 * response is over and SERVER_STATUS_IN_TRANS is clear. It understands text and binary
 * resultsets with or without CLIENT_DEPRECATE_EOF, multi-resultsets (SERVER_MORE_RESULTS_EXISTS),
 * LOAD DATA LOCAL INFILE (the client's turn in the middle of the response), prepared-statement
 * OKs and their definitions, cursors, optional metadata (MySQL) and cached metadata (MariaDB),
 * and MariaDB progress reports.
 *
 * It reads only a few header bytes per packet and allocates nothing: feed it the first packet
 * of every server payload (PACKET_FIRST), never continuation packets.
 */
import { MysqlProtocolError } from '../../errors.js';
import {
  COM_CREATE_DB, COM_DEBUG, COM_DROP_DB, COM_FIELD_LIST, COM_INIT_DB, COM_PING, COM_PROCESS_INFO, COM_PROCESS_KILL,
  COM_QUERY, COM_REFRESH, COM_RESET_CONNECTION, COM_SET_OPTION, COM_SHUTDOWN, COM_STATISTICS, COM_STMT_BULK_EXECUTE,
  COM_STMT_EXECUTE, COM_STMT_FETCH, COM_STMT_PREPARE, COM_STMT_RESET, expectsNoResponse,
} from './commands.js';
import {
  CLIENT_DEPRECATE_EOF, CLIENT_OPTIONAL_RESULTSET_METADATA, CLIENT_PROTOCOL_41, CLIENT_TRANSACTIONS, EOF_HEADER,
  ERR_HEADER, LOCAL_INFILE_HEADER, MARIADB_CLIENT_CACHE_METADATA, MARIADB_CLIENT_PROGRESS, MAX_PACKET_PAYLOAD,
  OK_HEADER, SERVER_MORE_RESULTS_EXISTS, SERVER_STATUS_CURSOR_EXISTS, SERVER_STATUS_IN_TRANS,
} from './constants.js';
import { lenencLength, lenencValue } from './lenenc.js';
import { PROGRESS_REPORT_ERRNO } from './packets.js';

export const ER_UNKNOWN_COM_ERROR = 1047;
/**
 * A packet handed over in pieces must come with at least this many of its first payload bytes
 * (or all of them, when shorter): the most the tracker reads of a packet.
 */
export const TRACKER_PREFIX = 32;

// What the last packet fed was, for the proxy to look closer at (parseOk, parseErr, ...).
export const PACKET_DATA = 0; // column count, definition, row, statistics text
export const PACKET_OK = 1; // an OK that ends a statement (0x00, or 0xfe under CLIENT_DEPRECATE_EOF)
export const PACKET_ERR = 2;
export const PACKET_EOF = 3;
export const PACKET_PREPARE_OK = 4;
export const PACKET_LOCAL_INFILE = 5;
export const PACKET_PROGRESS = 6;

// Tracker states.
const DONE = 0;
const SIMPLE = 1; // OK, ERR or EOF ends it
const SINGLE = 2; // one packet of whatever kind (COM_STATISTICS)
const RESULT = 3; // OK, ERR, LOCAL INFILE request or a column count
const COLUMN_DEFS = 4;
const COLUMNS_EOF = 5;
const ROWS = 6;
const PREPARE = 7; // the prepare OK or ERR
const PARAM_DEFS = 8;
const PARAMS_EOF = 9;
const FIELD_LIST = 10; // definitions up to EOF
const INFILE = 11; // the client sends the file; the server is silent

const MAX_COLUMNS = 0xffff;

export class ResponseTracker {
  private readonly deprecateEof: boolean;
  private readonly optionalMetadata: boolean;
  private readonly cacheMetadata: boolean;
  private readonly progress: boolean;
  private readonly statusAt41: boolean;
  private state = DONE;
  private command = 0;
  private defsLeft = 0;
  /** Column definitions still to come after the parameters of a prepare response. */
  private prepareColumns = 0;
  private status: number;
  private kind = PACKET_DATA;
  private failed = false;
  /** From the last prepare OK. */
  statementId = 0;
  paramCount = 0;
  columnCount = 0;

  /**
   * `capabilities` and `mariadbCapabilities` are the negotiated ones (what both sides set);
   * `statusFlags` the server's last known flags (from its greeting).
   */
  constructor(capabilities: number, mariadbCapabilities = 0, statusFlags = 0) {
    this.deprecateEof = (capabilities & CLIENT_DEPRECATE_EOF) !== 0;
    this.optionalMetadata = (capabilities & CLIENT_OPTIONAL_RESULTSET_METADATA) !== 0;
    this.statusAt41 = (capabilities & (CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS)) !== 0;
    this.cacheMetadata = (mariadbCapabilities & MARIADB_CLIENT_CACHE_METADATA) !== 0;
    this.progress = (mariadbCapabilities & MARIADB_CLIENT_PROGRESS) !== 0;
    this.status = statusFlags;
  }

  /** True when no response is outstanding. */
  get done(): boolean { return this.state === DONE; }
  /** The server status flags from the last OK or EOF; an ERR leaves them as they were. */
  get statusFlags(): number { return this.status; }
  get inTransaction(): boolean { return (this.status & SERVER_STATUS_IN_TRANS) !== 0; }
  /** The connection may go back to the pool: nothing outstanding and no transaction open. */
  get releasable(): boolean { return this.state === DONE && (this.status & SERVER_STATUS_IN_TRANS) === 0; }
  /** The server asked for a local file: the client's packets now go to it until an empty one. */
  get awaitingClientData(): boolean { return this.state === INFILE; }
  /** What the last packet fed was (PACKET_OK, PACKET_ERR, ...). */
  get lastPacket(): number { return this.kind; }
  /** The response (or one statement of a multi-statement) ended in an ERR packet. */
  get failedWithError(): boolean { return this.failed; }

  /**
   * Start following the response to `command` (its first payload byte). Returns false for the
   * commands the server does not answer (COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA, COM_QUIT):
   * the exchange is over at once. Throws MysqlProtocolError 1047 for commands a pooler does
   * not forward (replication, COM_CHANGE_USER, which the session handles itself) and when a
   * response is still outstanding.
   */
  begin(command: number): boolean {
    if (this.state !== DONE) throw new MysqlProtocolError('a command was sent before the previous response ended', ER_UNKNOWN_COM_ERROR);
    this.command = command;
    this.kind = PACKET_DATA;
    this.failed = false;
    if (expectsNoResponse(command)) return false;
    this.state = initialState(command);
    return true;
  }

  /**
   * Feed a server packet: buf[start, end) holds its payload, or at least the first
   * min(payloadLength, TRACKER_PREFIX) bytes of it. Returns true when it completes the
   * response. Throws MysqlProtocolError when the packet cannot come at this point.
   */
  onPacket(buf: Uint8Array, start: number, end: number, payloadLength: number): boolean {
    if (payloadLength === 0 || end <= start) throw unexpected('an empty packet');
    const first = buf[start]!;
    this.kind = PACKET_DATA;
    // No row, definition or count starts with 0xff: it is an ERR wherever a response may be.
    if (first === ERR_HEADER && this.state !== DONE && this.state !== INFILE) return this.onErr(buf, start, end);
    switch (this.state) {
      case SIMPLE:
        if (first === OK_HEADER) return this.onOk(buf, start, end, false);
        if (first === EOF_HEADER && payloadLength < 9) return this.onEof(buf, start, end);
        throw unexpected(`0x${first.toString(16)} where OK or ERR was expected`);
      case SINGLE:
        return this.finish();
      case RESULT:
        return this.onResultStart(buf, start, end, first);
      case COLUMN_DEFS:
      case PARAM_DEFS:
      case FIELD_LIST:
        return this.onDefinition(buf, start, end, first, payloadLength);
      case COLUMNS_EOF:
      case PARAMS_EOF:
        if (first !== EOF_HEADER || payloadLength >= 9) throw unexpected('a packet where EOF was expected');
        return this.onDefinitionsEof(buf, start, end);
      case ROWS:
        return this.isEndOfRows(first, payloadLength) && this.onEndOfRows(buf, start, end, payloadLength);
      case PREPARE:
        return this.onPrepareOk(buf, start, end, first);
      case INFILE:
        throw unexpected('a server packet while the client sends a local file');
      default:
        throw unexpected('a packet after the response ended');
    }
  }

  /** During LOCAL INFILE: a client packet went to the server; the empty one ends the file. */
  onClientPacket(payloadLength: number): void {
    if (this.state !== INFILE) throw new MysqlProtocolError('client data outside LOAD DATA LOCAL INFILE', ER_UNKNOWN_COM_ERROR);
    // After the file the server answers as to a statement: OK (maybe with more results) or ERR.
    if (payloadLength === 0) this.state = RESULT;
  }

  private onResultStart(buf: Uint8Array, start: number, end: number, first: number): boolean {
    if (first === OK_HEADER) return this.onOk(buf, start, end, false);
    if (first === LOCAL_INFILE_HEADER) {
      this.kind = PACKET_LOCAL_INFILE;
      this.state = INFILE;
      return false;
    }
    const n = lenencLength(first);
    if (n === 0 || first === EOF_HEADER || start + n > end) throw unexpected(`0x${first.toString(16)} where a result was expected`);
    const columns = lenencValue(buf, start);
    if (columns === 0 || columns > MAX_COLUMNS) throw unexpected(`a resultset of ${columns} columns`);
    // MySQL's optional metadata (every resultset) and MariaDB's cached metadata (binary ones)
    // add a byte after the count: 0 when the column definitions are left out.
    const flagged = this.optionalMetadata || (this.cacheMetadata && this.command !== COM_QUERY);
    const withDefs = !flagged || start + n >= end || buf[start + n] !== 0;
    this.defsLeft = withDefs ? columns : 0;
    this.state = this.defsLeft > 0 ? COLUMN_DEFS : this.deprecateEof ? ROWS : COLUMNS_EOF;
    return false;
  }

  private onDefinition(buf: Uint8Array, start: number, end: number, first: number, payloadLength: number): boolean {
    if (this.state === FIELD_LIST) return this.isEndOfRows(first, payloadLength) && this.onEndOfRows(buf, start, end, payloadLength);
    if (--this.defsLeft > 0) return false;
    if (!this.deprecateEof) {
      this.state = this.state === PARAM_DEFS ? PARAMS_EOF : COLUMNS_EOF;
      return false;
    }
    return this.afterDefinitions();
  }

  /**
   * A row starting with 0xfe is a string of 16 MB or more, so its packet is a full one: every
   * shorter 0xfe packet ends the rows (an EOF, or under CLIENT_DEPRECATE_EOF an OK).
   */
  private isEndOfRows(first: number, payloadLength: number): boolean {
    return first === EOF_HEADER && payloadLength < (this.deprecateEof ? MAX_PACKET_PAYLOAD : 9);
  }

  /**
   * An OK is at least 7 bytes; a 5-byte 0xfe packet is an EOF even under CLIENT_DEPRECATE_EOF,
   * as servers still send after the definitions of a cursor.
   */
  private onEndOfRows(buf: Uint8Array, start: number, end: number, payloadLength: number): boolean {
    return this.deprecateEof && payloadLength >= 7 ? this.onOk(buf, start, end, true) : this.onEof(buf, start, end);
  }

  private onDefinitionsEof(buf: Uint8Array, start: number, end: number): boolean {
    this.kind = PACKET_EOF;
    if (end - start >= 5) this.status = readU16(buf, start + 3);
    // A cursor opened by COM_STMT_EXECUTE: the rows wait for COM_STMT_FETCH.
    if (this.state === COLUMNS_EOF && this.command !== COM_STMT_PREPARE && this.status & SERVER_STATUS_CURSOR_EXISTS) return this.finish();
    return this.afterDefinitions();
  }

  /** The definitions of a section (and their EOF, when sent) are over. */
  private afterDefinitions(): boolean {
    if (this.command === COM_STMT_PREPARE) {
      if (this.state !== PARAM_DEFS && this.state !== PARAMS_EOF) return this.finish();
      return this.prepareColumns > 0 ? this.startDefs(COLUMN_DEFS, this.prepareColumns) : this.finish();
    }
    this.state = ROWS;
    return false;
  }

  private onPrepareOk(buf: Uint8Array, start: number, end: number, first: number): boolean {
    if (first !== OK_HEADER || end - start < 12) throw unexpected('a packet where the prepare OK was expected');
    this.kind = PACKET_PREPARE_OK;
    this.statementId = (buf[start + 1]! | (buf[start + 2]! << 8) | (buf[start + 3]! << 16) | (buf[start + 4]! << 24)) >>> 0;
    this.columnCount = readU16(buf, start + 5);
    this.paramCount = readU16(buf, start + 7);
    this.prepareColumns = this.columnCount;
    if (this.paramCount > 0) return this.startDefs(PARAM_DEFS, this.paramCount);
    return this.columnCount > 0 ? this.startDefs(COLUMN_DEFS, this.columnCount) : this.finish();
  }

  private startDefs(state: number, count: number): false {
    this.state = state;
    this.defsLeft = count;
    return false;
  }

  private onOk(buf: Uint8Array, start: number, end: number, terminator: boolean): boolean {
    this.kind = PACKET_OK;
    if (this.statusAt41) {
      let p = start + 1;
      for (let i = 0; i < 2; i++) {
        const n = p < end ? lenencLength(buf[p]!) : 0;
        if (n === 0) throw unexpected(terminator ? 'a malformed end-of-resultset OK' : 'a malformed OK');
        p += n;
      }
      if (p + 2 > end) throw unexpected('a truncated OK');
      this.status = readU16(buf, p);
    }
    return this.endOfResult();
  }

  private onEof(buf: Uint8Array, start: number, end: number): boolean {
    this.kind = PACKET_EOF;
    if (end - start >= 5) this.status = readU16(buf, start + 3);
    return this.endOfResult();
  }

  private onErr(buf: Uint8Array, start: number, end: number): boolean {
    if (this.progress && end - start >= 3 && readU16(buf, start + 1) === PROGRESS_REPORT_ERRNO) {
      this.kind = PACKET_PROGRESS;
      return false;
    }
    this.kind = PACKET_ERR;
    this.failed = true;
    // An ERR ends the whole response, later statements of a multi-statement included.
    return this.finish();
  }

  private endOfResult(): boolean {
    if (this.status & SERVER_MORE_RESULTS_EXISTS && isResultCommand(this.command)) {
      this.state = RESULT;
      return false;
    }
    return this.finish();
  }

  private finish(): true {
    this.state = DONE;
    return true;
  }
}

function initialState(command: number): number {
  switch (command) {
    case COM_QUERY: case COM_STMT_EXECUTE: case COM_STMT_BULK_EXECUTE: case COM_PROCESS_INFO:
      return RESULT;
    case COM_STMT_FETCH:
      return ROWS;
    case COM_STMT_PREPARE:
      return PREPARE;
    case COM_FIELD_LIST:
      return FIELD_LIST;
    case COM_STATISTICS:
      return SINGLE;
    case COM_PING: case COM_INIT_DB: case COM_RESET_CONNECTION: case COM_STMT_RESET: case COM_SET_OPTION:
    case COM_REFRESH: case COM_PROCESS_KILL: case COM_DEBUG: case COM_CREATE_DB: case COM_DROP_DB: case COM_SHUTDOWN:
      return SIMPLE;
    default:
      throw new MysqlProtocolError(`command 0x${command.toString(16)} cannot go through the pooler`, ER_UNKNOWN_COM_ERROR);
  }
}

function isResultCommand(command: number): boolean {
  return command === COM_QUERY || command === COM_STMT_EXECUTE || command === COM_STMT_BULK_EXECUTE || command === COM_PROCESS_INFO;
}

function readU16(buf: Uint8Array, at: number): number {
  return buf[at]! | (buf[at + 1]! << 8);
}

function unexpected(what: string): MysqlProtocolError {
  return new MysqlProtocolError(`unexpected server packet: ${what}`);
}
