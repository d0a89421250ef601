/**
 * What a MySQL client is told when Sluice, not the server, fails its command: a SluiceError
 * mapped onto the error numbers MySQL and MariaDB use for the same situation, so drivers
 * classify it as they would the server's own (retryable, access denied, lost connection).
 */
import { MysqlProtocolError, PoolClosedError, PoolTimeoutError, ServerConnectError, SluiceError } from '../../errors.js';
import { buildErr, type ErrPacket } from '../../wire/mysql/index.js';

export const ER_CON_COUNT_ERROR = 1040;
export const ER_ACCESS_DENIED_ERROR = 1045;
/** A locked-out address (Sluice's login guard), in the words servers use for max_connect_errors. */
export const ER_HOST_IS_BLOCKED = 1129;
export const ER_SERVER_SHUTDOWN = 1053;
export const ER_UNKNOWN_STMT_HANDLER = 1243;
export const ER_NOT_SUPPORTED_AUTH_MODE = 1251;
/** MariaDB's word for a connection an administrator killed (KILL CONNECTION); SQLSTATE 70100. */
export const ER_CONNECTION_KILLED = 1927;
/** MySQL's answer to a plain-text login under require_secure_transport (client_tls.mode require). */
export const ER_SECURE_TRANSPORT_REQUIRED = 3159;
/** Client-side numbers drivers also map (CR_CONN_HOST_ERROR, CR_SERVER_LOST). */
export const CR_CONN_HOST_ERROR = 2003;
export const CR_SERVER_LOST = 2013;

/** A login Sluice refused (password, user, plugin, transport, lockout); the client reads it as an ERR packet. */
export class LoginRefused extends MysqlProtocolError {}

export function errPacketFor(err: unknown): ErrPacket {
  if (err instanceof MysqlProtocolError) return { errno: err.errno, sqlState: err.sqlState, message: err.message };
  if (err instanceof PoolTimeoutError) return { errno: ER_CON_COUNT_ERROR, sqlState: '08004', message: err.message };
  if (err instanceof PoolClosedError) return { errno: ER_SERVER_SHUTDOWN, sqlState: '08S01', message: err.message };
  if (err instanceof ServerConnectError) return { errno: CR_CONN_HOST_ERROR, sqlState: 'HY000', message: err.message };
  if (err instanceof SluiceError) return { errno: CR_SERVER_LOST, sqlState: 'HY000', message: err.message };
  return { errno: CR_SERVER_LOST, sqlState: 'HY000', message: err instanceof Error ? err.message : String(err) };
}

export function errPacket(err: unknown, sequenceId: number): Buffer {
  return buildErr(errPacketFor(err), sequenceId);
}
