/**
 * Named prepared statements in transaction pooling. A client's statement names are its own;
 * on the servers every distinct (query text, parameter types) gets one Sluice-wide name, so a
 * statement prepared on a server by one client is reused by every client that prepares the
 * same text, and a client's statement is re-prepared wherever its next transaction runs.
 */
/** Prefix of server-side names; clients never see them. */
export const SERVER_STATEMENT_PREFIX = 'sluice_';
/** Sluice-wide map from a Parse body (query and parameter types) to its server-side name. */
export class StatementRegistry {
    byBody = new Map();
    limit;
    next = 1;
    constructor(limit = 100_000) { this.limit = limit; }
    /** Server-side name for the Parse body body[start, end) (everything after the client's name). */
    nameFor(body, start, end) {
        const key = body.toString('latin1', start, end);
        let name = this.byBody.get(key);
        if (name === undefined) {
            name = SERVER_STATEMENT_PREFIX + (this.next++).toString(36);
            // Bounded: a forgotten entry only means a later identical Parse gets a fresh name.
            if (this.byBody.size >= this.limit)
                this.byBody.delete(this.byBody.keys().next().value);
            this.byBody.set(key, name);
        }
        return name;
    }
    get size() { return this.byBody.size; }
}
/** Statements prepared on one server connection, least recently used first. */
export class ServerStatementCache {
    names = new Map();
    capacity;
    constructor(capacity) { this.capacity = capacity; }
    has(name) { return this.names.has(name); }
    /** Mark as just used. */
    touch(name) {
        if (this.names.delete(name))
            this.names.set(name, true);
    }
    /** Record a new statement; returns the name to close on the server if one had to go. */
    add(name) {
        this.names.set(name, true);
        if (this.names.size <= this.capacity)
            return null;
        const oldest = this.names.keys().next().value;
        this.names.delete(oldest);
        return oldest;
    }
    delete(name) { this.names.delete(name); }
    clear() { this.names.clear(); }
    get size() { return this.names.size; }
}
//# sourceMappingURL=prepared-statements.js.map