/**
 * The session-state block of an OK packet (CLIENT_SESSION_TRACK): what the statement changed
 * in the session, as the server reports it. With session_track_system_variables covering the
 * variables Sluice replays, this is the reliable way to learn their new values; the query
 * classifier only says which statements to look at.
 */
import { PayloadReader } from './payload-reader.js';
import { PacketWriter } from './packet-writer.js';

export const SESSION_TRACK_SYSTEM_VARIABLES = 0;
export const SESSION_TRACK_SCHEMA = 1;
export const SESSION_TRACK_STATE_CHANGE = 2;
export const SESSION_TRACK_GTIDS = 3;
export const SESSION_TRACK_TRANSACTION_CHARACTERISTICS = 4;
export const SESSION_TRACK_TRANSACTION_STATE = 5;

export type SessionStateChange =
  | { type: 'system_variable'; name: string; value: string }
  | { type: 'schema'; name: string }
  | { type: 'state_change'; changed: boolean }
  | { type: 'transaction_characteristics'; value: string }
  | { type: 'transaction_state'; value: string }
  /** GTIDs and types this codec does not know, kept as their raw data. */
  | { type: 'other'; code: number; data: Buffer };

/** Decode the block's entries (the bytes inside its length prefix). */
export function readSessionState(block: Buffer): SessionStateChange[] {
  const out: SessionStateChange[] = [];
  const r = new PayloadReader(block);
  while (r.remaining > 0) {
    const code = r.u8();
    const data = r.lenencBytes();
    const d = new PayloadReader(data);
    switch (code) {
      case SESSION_TRACK_SYSTEM_VARIABLES:
        while (d.remaining > 0) out.push({ type: 'system_variable', name: d.lenencString(), value: d.lenencString() });
        break;
      case SESSION_TRACK_SCHEMA:
        out.push({ type: 'schema', name: d.lenencString() });
        break;
      case SESSION_TRACK_STATE_CHANGE:
        out.push({ type: 'state_change', changed: d.lenencString() === '1' });
        break;
      case SESSION_TRACK_TRANSACTION_CHARACTERISTICS:
        out.push({ type: 'transaction_characteristics', value: d.lenencString() });
        break;
      case SESSION_TRACK_TRANSACTION_STATE:
        out.push({ type: 'transaction_state', value: d.lenencString() });
        break;
      default:
        out.push({ type: 'other', code, data });
    }
  }
  return out;
}

/** Encode entries as a block (without its own length prefix). */
export function writeSessionState(changes: readonly SessionStateChange[]): Buffer {
  const w = new PacketWriter();
  for (const c of changes) {
    const d = new PacketWriter();
    let code: number;
    switch (c.type) {
      case 'system_variable':
        code = SESSION_TRACK_SYSTEM_VARIABLES;
        d.lenencString(c.name).lenencString(c.value);
        break;
      case 'schema':
        code = SESSION_TRACK_SCHEMA;
        d.lenencString(c.name);
        break;
      case 'state_change':
        code = SESSION_TRACK_STATE_CHANGE;
        d.lenencString(c.changed ? '1' : '0');
        break;
      case 'transaction_characteristics':
        code = SESSION_TRACK_TRANSACTION_CHARACTERISTICS;
        d.lenencString(c.value);
        break;
      case 'transaction_state':
        code = SESSION_TRACK_TRANSACTION_STATE;
        d.lenencString(c.value);
        break;
      default:
        code = c.code;
        d.bytes(c.data);
    }
    w.u8(code).lenencBytes(d.payload());
  }
  return Buffer.from(w.payload());
}
