/**
 * One client command on its way to a server connection: the client's packets (views of its
 * chunks), and what the session must do once the answer is complete.
 */
import type { ClientStatement } from './statements.js';

export interface Command {
  readonly code: number;
  /** The client's packets, header included; the first is rewritten for statement ids. */
  packets: Buffer[];
  /** The payload goes on in further packets (16 MB and more) still to come from the client. */
  partial: boolean;
  /** Written to the server: the client's later packets (LOCAL INFILE, continuations) follow directly. */
  forwarded: boolean;
  /** SET statement: the variables it assigns, and its text for replay. */
  setNames: string[] | null;
  /** USE / COM_INIT_DB: the schema it switches to. */
  schema: string | null;
  /** The statement reads LAST_INSERT_ID(): the connection must hold the client's own. */
  needsInsertId: boolean;
  /** The statement the command names (execute, fetch, long data, reset). */
  stmt: ClientStatement | null;
  /** COM_STMT_PREPARE going to the server: the id the client gets and the answer, kept for the cache. */
  prepare: { clientId: number; serverId: number; capture: Buffer[] } | null;
}

export function newCommand(code: number, first: Buffer, partial: boolean): Command {
  return {
    code, packets: [first], partial, forwarded: false, setNames: null, schema: null, needsInsertId: false, stmt: null, prepare: null,
  };
}
