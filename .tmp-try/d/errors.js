/**
 * One error base with a stable `code`; logs and API responses carry the code, and each
 * protocol maps a SluiceError onto its own wire error (SQLSTATE, MySQL errno, RESP -ERR).
 */
export class SluiceError extends Error {
    code;
    constructor(code, message, options) {
        super(message, options);
        this.code = code;
        this.name = new.target.name;
    }
}
/** Configuration is invalid; `issues` name the key path, the problem and the expected form. */
export class ConfigError extends SluiceError {
    issues;
    constructor(message, issues = []) {
        super('SLUICE_CONFIG_INVALID', issues.length ? `${message}\n  ${issues.join('\n  ')}` : message);
        this.issues = issues;
    }
}
/** A client sent bytes that break the protocol. */
export class ProtocolError extends SluiceError {
    constructor(message) { super('SLUICE_PROTOCOL_VIOLATION', message); }
}
/** No server connection became free within query_wait_timeout. */
export class PoolTimeoutError extends SluiceError {
    constructor(pool, waitedMs) {
        super('SLUICE_POOL_TIMEOUT', `no server connection available in pool "${pool}" after ${waitedMs} ms (query_wait_timeout); raise pool.size or query_wait_timeout, or find what holds the connections (SHOW POOLS)`);
    }
}
/** The pool was closed or paused for shutdown while a client waited. */
export class PoolClosedError extends SluiceError {
    constructor(pool) { super('SLUICE_POOL_CLOSED', `pool "${pool}" is shutting down`); }
}
/** Could not open or log in to a backend server. */
export class ServerConnectError extends SluiceError {
    constructor(message, options) { super('SLUICE_SERVER_CONNECT', message, options); }
}
/** A backend server connection broke while in use. */
export class ServerLostError extends SluiceError {
    constructor(message) { super('SLUICE_SERVER_LOST', message); }
}
/** Client authentication failed. */
export class AuthError extends SluiceError {
    constructor(code, message) { super(code, message); }
}
//# sourceMappingURL=errors.js.map