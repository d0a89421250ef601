/**
 * One error base with a stable `code`; logs and API responses carry the code, and each
 * protocol maps a SluiceError onto its own wire error (SQLSTATE, MySQL errno, RESP -ERR).
 */
export class SluiceError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Configuration is invalid; `issues` name the key path, the problem and the expected form. */
export class ConfigError extends SluiceError {
  readonly issues: readonly string[];
  constructor(message: string, issues: readonly string[] = []) {
    super('SLUICE_CONFIG_INVALID', issues.length ? `${message}\n  ${issues.join('\n  ')}` : message);
    this.issues = issues;
  }
}

/** A client sent bytes that break the protocol. */
export class ProtocolError extends SluiceError {
  constructor(message: string) { super('SLUICE_PROTOCOL_VIOLATION', message); }
}

/** No server connection became free within query_wait_timeout. */
export class PoolTimeoutError extends SluiceError {
  constructor(pool: string, waitedMs: number) {
    super('SLUICE_POOL_TIMEOUT', `no server connection available in pool "${pool}" after ${waitedMs} ms (query_wait_timeout); raise pool.size or query_wait_timeout, or find what holds the connections (SHOW POOLS)`);
  }
}

/** The pool was closed or paused for shutdown while a client waited. */
export class PoolClosedError extends SluiceError {
  constructor(pool: string) { super('SLUICE_POOL_CLOSED', `pool "${pool}" is shutting down`); }
}

/** Could not open or log in to a backend server. */
export class ServerConnectError extends SluiceError {
  /**
   * The server answered and refused (wrong password, unknown database or role): retrying
   * soon will not help, so clients waiting for this pool are told now, not at query_wait_timeout.
   */
  readonly refused: boolean;
  constructor(message: string, options?: { cause?: unknown; refused?: boolean }) {
    super('SLUICE_SERVER_CONNECT', message, options);
    this.refused = options?.refused ?? false;
  }
}

/** A backend server connection broke while in use. */
export class ServerLostError extends SluiceError {
  constructor(message: string) { super('SLUICE_SERVER_LOST', message); }
}

/** Client authentication failed. */
export class AuthError extends SluiceError {
  constructor(code: 'SLUICE_AUTH_FAILED' | 'SLUICE_AUTH_UNKNOWN_USER' | 'SLUICE_AUTH_UNSUPPORTED', message: string) { super(code, message); }
}

/** auth_query could not be run (auth_user cannot log in, the query failed or timed out); never cached. */
export class AuthQueryError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) { super('SLUICE_AUTH_QUERY_FAILED', message, options); }
}

/**
 * The audit log could not be opened, resumed or written. Open and resume errors are thrown
 * by AuditLog.open; write errors are never thrown into callers but handed to its onError.
 */
export class AuditLogError extends SluiceError {
  constructor(code: 'SLUICE_AUDIT_OPEN' | 'SLUICE_AUDIT_CORRUPT' | 'SLUICE_AUDIT_TORN_TAIL' | 'SLUICE_AUDIT_WRITE', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Bytes that break RESP framing. `message` is the text Redis itself sends for the same input
 * (`ERR Protocol error: ...`, one char per byte), and `reply` the exact error line to write
 * before closing the connection, as Redis does. Raised for server replies too, with a text
 * that names the server.
 */
export class RespProtocolError extends SluiceError {
  readonly reply: Buffer;
  constructor(redisMessage: string) {
    super('SLUICE_RESP_PROTOCOL', redisMessage);
    // latin1: Redis echoes an offending raw byte (expected '$', got '\xff') as that byte.
    this.reply = Buffer.from(`-${redisMessage}\r\n`, 'latin1');
  }
}

/**
 * MySQL/MariaDB bytes that break the protocol (bad lengths, wrong sequence ids, truncated or
 * oversized packets, a malformed handshake). `errno` and `sqlState` are what the client gets
 * in the ERR packet Sluice sends before closing: real server numbers, so drivers map them as
 * they would the server's own (1835 ER_MALFORMED_PACKET, 1156 ER_NET_PACKETS_OUT_OF_ORDER,
 * 1153 ER_NET_PACKET_TOO_LARGE, 1043 ER_HANDSHAKE_ERROR, 1047 ER_UNKNOWN_COM_ERROR).
 */
export class MysqlProtocolError extends SluiceError {
  readonly errno: number;
  readonly sqlState: string;
  constructor(message: string, errno = 1835, sqlState = '08S01') {
    super('SLUICE_MYSQL_PROTOCOL', message);
    this.errno = errno;
    this.sqlState = sqlState;
  }
}

/**
 * A write waited for a primary during failover: none appeared within failover_timeout
 * (SLUICE_FAILOVER_TIMEOUT), or the wait was given up (SLUICE_FAILOVER_CANCELLED: the client
 * left, or the router shut down).
 */
export class FailoverError extends SluiceError {
  constructor(code: 'SLUICE_FAILOVER_TIMEOUT' | 'SLUICE_FAILOVER_CANCELLED', message: string) { super(code, message); }
}

/** No host may serve this unit of work: a read with primary_reads never and no replica up, or every host down. */
export class NoHostError extends SluiceError {
  constructor(message: string) { super('SLUICE_NO_HOST', message); }
}

/**
 * A Fernet key or token was refused. Every token failure is one code per cause so callers and
 * tests can tell a wrong key (SIGNATURE) from a damaged file (MALFORMED), but none of them
 * says more than the cause: an attacker learns nothing from which check failed first.
 */
export type FernetErrorCode =
  | 'SLUICE_FERNET_KEY_INVALID'
  | 'SLUICE_FERNET_TOKEN_MALFORMED'
  | 'SLUICE_FERNET_TOKEN_VERSION'
  | 'SLUICE_FERNET_TOKEN_SIGNATURE'
  | 'SLUICE_FERNET_TOKEN_PADDING'
  | 'SLUICE_FERNET_TOKEN_FUTURE'
  | 'SLUICE_FERNET_TOKEN_EXPIRED';

export class FernetError extends SluiceError {
  declare readonly code: FernetErrorCode;
  constructor(code: FernetErrorCode, message: string) { super(code, message); }
}

/**
 * The local credential store (`sluice secrets`) or its master key could not be used. The
 * message always says what to do next (the chmod to run, the command to create the key...).
 */
export type SecretStoreErrorCode =
  | 'SLUICE_SECRETS_KEY_MISSING'
  | 'SLUICE_SECRETS_KEY_EXISTS'
  | 'SLUICE_SECRETS_KEY_INVALID'
  | 'SLUICE_SECRETS_KEY_PERMISSIONS'
  | 'SLUICE_SECRETS_STORE_INVALID'
  | 'SLUICE_SECRETS_STORE_IO'
  | 'SLUICE_SECRETS_STORE_BUSY'
  | 'SLUICE_SECRETS_NAME_INVALID'
  | 'SLUICE_SECRETS_NOT_FOUND'
  | 'SLUICE_SECRETS_VALUE_MISSING'
  | 'SLUICE_SECRETS_UNREADABLE'
  | 'SLUICE_SECRETS_ROTATION';

export class SecretStoreError extends SluiceError {
  declare readonly code: SecretStoreErrorCode;
  constructor(code: SecretStoreErrorCode, message: string, options?: { cause?: unknown }) { super(code, message, options); }
}

/**
 * A `${vault:...}`, `${vault-db:...}`, `${aws-sm:...}` or `${azure-kv:...}` reference could not
 * be resolved or refreshed. Messages name the reference and the backend's answer, never a value.
 */
export type SecretBackendErrorCode =
  | 'SLUICE_SECRET_BACKEND_UNCONFIGURED'
  | 'SLUICE_SECRET_REFERENCE_INVALID'
  | 'SLUICE_SECRET_BACKEND_UNREACHABLE'
  | 'SLUICE_SECRET_BACKEND_DENIED'
  | 'SLUICE_SECRET_NOT_FOUND'
  | 'SLUICE_SECRET_BACKEND_RESPONSE';

export class SecretBackendError extends SluiceError {
  declare readonly code: SecretBackendErrorCode;
  constructor(code: SecretBackendErrorCode, message: string, options?: { cause?: unknown }) { super(code, message, options); }
}
