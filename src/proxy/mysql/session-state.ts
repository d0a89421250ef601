/**
 * The session a client believes it has, kept apart from any server connection: its schema,
 * the SET statements it ran (replayed, in order, on whichever connection serves it next) and
 * the id of its last insert. A SET that assigns every variable an earlier one did replaces
 * it, so the list stays as short as the distinct things the client changed.
 */
import { COM_INIT_DB, COM_QUERY } from '../../wire/mysql/index.js';

interface SetStatement {
  readonly names: readonly string[];
  /** The COM_QUERY payload, command byte included. */
  readonly payload: Buffer;
}

/** More than this many distinct SET statements and the client is pinned instead. */
export const MAX_REPLAYED_SETS = 64;

export class ClientSessionState {
  schema: string;
  lastInsertId = 0n;
  /** SERVER_STATUS_AUTOCOMMIT of the last answer: off, a statement opens a transaction (so it must go to the writer). */
  autocommit = true;
  private sets: SetStatement[] = [];
  /** Identifies the replay list; equal keys mean equal session variables. */
  key = '';
  private static nextKey = 1;

  constructor(schema: string) {
    this.schema = schema;
  }

  get replay(): readonly Buffer[] { return this.sets.map((s) => s.payload); }

  /** Record a SET that succeeded; false when the list is full (the caller pins instead). */
  recordSet(names: readonly string[], sql: Buffer): boolean {
    this.sets = this.sets.filter((s) => !s.names.every((n) => names.includes(n)));
    if (this.sets.length >= MAX_REPLAYED_SETS) return false;
    const payload = Buffer.allocUnsafe(sql.length + 1);
    payload[0] = COM_QUERY;
    sql.copy(payload, 1);
    this.sets.push({ names: [...names], payload });
    this.key = `s${ClientSessionState.nextKey++}`;
    return true;
  }

  /** COM_RESET_CONNECTION / COM_CHANGE_USER: the server defaults again. */
  reset(): void {
    this.sets = [];
    this.key = '';
    this.lastInsertId = 0n;
    this.autocommit = true;
  }
}

export function initDbPayload(schema: string): Buffer {
  const b = Buffer.allocUnsafe(Buffer.byteLength(schema) + 1);
  b[0] = COM_INIT_DB;
  b.write(schema, 1, 'utf8');
  return b;
}

export function queryPayload(sql: string): Buffer {
  const b = Buffer.allocUnsafe(Buffer.byteLength(sql) + 1);
  b[0] = COM_QUERY;
  b.write(sql, 1, 'utf8');
  return b;
}
