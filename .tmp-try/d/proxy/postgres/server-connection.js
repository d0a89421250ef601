/**
 * One connection from Sluice to a PostgreSQL server. After login it relays the server's
 * responses to whichever client session owns it now, following the RequestQueue so that
 * Sluice's own requests stay invisible and answers it gave itself land in order.
 */
import net from 'node:net';
import { ServerConnectError, ServerLostError } from '../../errors.js';
import { CLOSE_COMPLETE, PARSE_COMPLETE, readyForQuery } from '../../wire/postgres/backend-messages.js';
import { B, TX_IDLE } from '../../wire/postgres/constants.js';
import { readParameterStatus } from '../../wire/postgres/fields.js';
import { MessageFramer } from '../../wire/postgres/framer.js';
import { serialize } from '../../wire/postgres/frontend-messages.js';
import { ServerStatementCache } from './prepared-statements.js';
import { Act, Req, RequestQueue } from './request-queue.js';
import { ServerLogin } from './server-login.js';
let nextServerId = 1;
/** DISCARD ALL and DEALLOCATE ALL drop every prepared statement on the server. */
const TAG_DISCARD_ALL = Buffer.from('DISCARD ALL\0');
const TAG_DEALLOCATE_ALL = Buffer.from('DEALLOCATE ALL\0');
export class PgServerConnection {
    id = nextServerId++;
    host;
    createdAt = Date.now();
    lastUsedAt = Date.now();
    closed = false;
    socket;
    /** Server-side values of session parameters: reported by the server or set by Sluice. */
    params;
    /** Names the server reports through ParameterStatus (the ones it sent at login). */
    reported;
    backendPid;
    backendSecret;
    statements;
    queue = new RequestQueue();
    txStatus = TX_IDLE;
    owner = null;
    /** Set when the pool should not reuse this connection (operator reconnect, credentials changed). */
    retire = false;
    framer;
    log;
    constructor(socket, opts, login) {
        this.socket = socket;
        this.host = opts.host;
        this.params = login.params;
        this.reported = new Set(login.params.keys());
        this.backendPid = login.backendPid;
        this.backendSecret = login.backendSecret;
        this.statements = new ServerStatementCache(opts.maxPreparedStatements);
        this.log = opts.log;
        this.framer = new MessageFramer(this, opts.maxMessageSize);
        socket.on('data', (chunk) => this.onData(chunk));
        socket.on('drain', () => this.owner?.onServerDrained());
        socket.on('close', () => this.onClose());
        socket.on('error', (err) => this.log.debug({ err, server: this.id }, 'server socket error'));
    }
    /** Open a socket and log in. Rejects with ServerConnectError. */
    static connect(opts) {
        return new Promise((resolve, reject) => {
            const socket = net.connect({ host: opts.host.host, port: opts.host.port, noDelay: true });
            let settled = false;
            const fail = (err) => {
                if (settled)
                    return;
                settled = true;
                clearTimeout(timer);
                socket.destroy();
                reject(err instanceof ServerConnectError ? err : new ServerConnectError(`cannot connect to ${opts.host.key}: ${err.message}`, { cause: err }));
            };
            const timer = setTimeout(() => fail(new ServerConnectError(`connecting to ${opts.host.key} timed out after ${opts.timeoutMs} ms (server_connect_timeout)`)), opts.timeoutMs);
            const login = new ServerLogin(opts.creds, (b) => socket.write(b));
            const loginFramer = new MessageFramer({
                onMessage(type, buf, start, end) {
                    if (settled)
                        return;
                    if (!login.onMessage(type, buf, start, end))
                        return;
                    settled = true;
                    clearTimeout(timer);
                    socket.removeAllListeners();
                    resolve(new PgServerConnection(socket, opts, login));
                },
                wantsStream: () => false,
                onStreamData() { },
            }, opts.maxMessageSize);
            socket.on('connect', () => socket.write(login.startupMessage('sluice')));
            socket.on('data', (chunk) => {
                try {
                    loginFramer.push(chunk);
                }
                catch (err) {
                    fail(err);
                }
            });
            socket.on('error', fail);
            socket.on('close', () => fail(new ServerConnectError(`server ${opts.host.key} closed the connection during login`)));
        });
    }
    /** True when the server has answered everything and sits outside a transaction. */
    get idle() { return this.queue.empty && this.txStatus === TX_IDLE; }
    attach(owner) { this.owner = owner; }
    detach() {
        this.owner = null;
        if (this.socket.isPaused())
            this.socket.resume();
    }
    /** Write towards the server; false when its buffer is full. */
    write(data) { return this.socket.write(data); }
    /**
     * Sluice's own simple query inside a client's turn (parameter sync): queued as Skip so its
     * responses never reach the client. Returns the bytes for the caller to write in order.
     */
    ownQuery(sql) {
        this.queue.push(Req.Query, Act.Skip);
        return serialize.query(sql);
    }
    /**
     * Run a query of Sluice's own while no client owns the connection (server_check_query,
     * server_reset_query); resolves on ReadyForQuery, rejects on an error or a lost server.
     */
    runOwnQuery(sql, timeoutMs) {
        return new Promise((resolve, reject) => {
            const owner = new QuietOwner(this, resolve, reject);
            const timer = setTimeout(() => owner.onServerLost(`query "${sql}" timed out after ${timeoutMs} ms`), timeoutMs);
            owner.done = () => clearTimeout(timer);
            this.attach(owner);
            this.queue.push(Req.Query, Act.Forward);
            this.socket.write(serialize.query(sql));
        });
    }
    /** Close a statement to make room in the LRU; the CloseComplete is swallowed. Returns the bytes. */
    ownClose(serverName) {
        this.queue.push(Req.Close, Act.Skip, serverName);
        return serialize.close({ type: 'S', name: serverName });
    }
    /** Send a cancel for this connection's running query over a new socket, as PostgreSQL requires. */
    cancel() {
        const s = net.connect({ host: this.host.host, port: this.host.port }, () => s.end(serialize.cancel(this.backendPid, this.backendSecret)));
        s.on('error', (err) => this.log.debug({ err, server: this.id }, 'cancel request failed'));
        s.setTimeout(5000, () => s.destroy());
    }
    close(reason) {
        if (this.closed)
            return;
        this.closed = true;
        this.framer.halt();
        this.log.debug({ server: this.id, host: this.host.key, reason }, 'closing server connection');
        if (!this.socket.destroyed)
            this.socket.end(serialize.end());
        this.socket.destroySoon();
    }
    onClose() {
        const wasClosed = this.closed;
        this.closed = true;
        const owner = this.owner;
        this.owner = null;
        if (owner !== null && !wasClosed)
            owner.onServerLost(`server ${this.host.key} closed the connection`);
        this.onClosed?.(this);
    }
    /** Set by the pool glue: the connection is gone and must leave the pool. */
    onClosed = null;
    onData(chunk) {
        try {
            this.framer.push(chunk);
        }
        catch (err) {
            this.log.warn({ err, server: this.id }, 'protocol error from server; closing it');
            this.owner?.onServerLost(`protocol error from server ${this.host.key}: ${err.message}`);
            this.owner = null;
            this.close('protocol error');
            return;
        }
        this.owner?.out.flush();
    }
    wantsStream(type) {
        return this.owner !== null && (type === B.DataRow || type === B.CopyData) && this.queue.headAct() !== Act.Skip;
    }
    onStreamData(buf, start, end) {
        this.owner?.out.forward(buf, start, end);
    }
    onMessage(type, buf, start, end) {
        const owner = this.owner;
        if (owner === null) {
            this.onUnownedMessage(type, buf, start, end);
            return;
        }
        const q = this.queue;
        switch (type) {
            case B.ParameterStatus: {
                const [name, value] = readParameterStatus(buf, start, end);
                this.params.set(name, value);
                owner.onParameterStatus(name, value, q.headAct() === Act.Skip, buf, start, end);
                return;
            }
            case B.ReadyForQuery: {
                this.txStatus = buf[start + 5];
                if (q.headAct() !== Act.Skip)
                    owner.out.forward(buf, start, end);
                q.shift();
                this.answerFakes(owner);
                owner.onReadyForQuery(this.txStatus, q.empty);
                return;
            }
            case B.ErrorResponse:
                this.onError(owner, buf, start, end);
                return;
            case B.ParseComplete:
            case B.BindComplete:
            case B.CloseComplete:
                this.completeHead(owner, buf, start, end);
                return;
            case B.NoData:
            case B.RowDescription:
                if (q.headKind() === Req.Describe)
                    this.completeHead(owner, buf, start, end);
                else
                    this.relay(owner, buf, start, end);
                return;
            case B.CommandComplete:
                if (end - start === 5 + TAG_DISCARD_ALL.length || end - start === 5 + TAG_DEALLOCATE_ALL.length)
                    this.noticeDiscard(buf, start, end);
                if (q.headKind() === Req.Execute)
                    this.completeHead(owner, buf, start, end);
                else
                    this.relay(owner, buf, start, end);
                return;
            case B.EmptyQueryResponse:
            case B.PortalSuspended:
                if (q.headKind() === Req.Execute)
                    this.completeHead(owner, buf, start, end);
                else
                    this.relay(owner, buf, start, end);
                return;
            default:
                this.relay(owner, buf, start, end);
        }
    }
    relay(owner, buf, start, end) {
        if (this.queue.headAct() !== Act.Skip)
            owner.out.forward(buf, start, end);
    }
    completeHead(owner, buf, start, end) {
        this.relay(owner, buf, start, end);
        this.queue.shift();
        this.answerFakes(owner);
    }
    /** Answer, in order, the requests Sluice took on itself that are now due. */
    answerFakes(owner) {
        const q = this.queue;
        while (q.headAct() === Act.Fake) {
            const kind = q.headKind();
            const payload = q.headPayload();
            q.shift();
            this.answerFake(owner, kind, payload);
        }
    }
    /**
     * A request Sluice answers itself: at once when nothing is due before it, otherwise in
     * turn. A fake Query (payload, then ReadyForQuery) keeps the transaction status as it is.
     */
    fake(owner, kind, payload = null) {
        if (this.queue.empty)
            this.answerFake(owner, kind, payload);
        else
            this.queue.push(kind, Act.Fake, null, payload);
    }
    answerFake(owner, kind, payload) {
        if (kind === Req.Parse)
            owner.out.send(PARSE_COMPLETE);
        else if (kind === Req.Close)
            owner.out.send(CLOSE_COMPLETE);
        else if (kind === Req.Query) {
            if (payload !== null)
                owner.out.send(payload);
            owner.out.send(readyForQuery(this.txStatus));
        }
    }
    onError(owner, buf, start, end) {
        const q = this.queue;
        // Errors always reach the client, Sluice's own requests included: a failed re-prepare
        // or parameter sync is the client's business.
        owner.out.forward(buf, start, end);
        if (q.headKind() === Req.Query || q.empty)
            return;
        // Extended protocol: the server now skips everything up to Sync.
        while (!q.empty && q.headKind() !== Req.Sync) {
            if (q.headKind() === Req.Parse && q.headAct() !== Act.Fake) {
                const name = q.headName();
                if (name !== null) {
                    this.statements.delete(name);
                    owner.onStatementFailed(name);
                }
            }
            q.shift();
        }
    }
    noticeDiscard(buf, start, end) {
        const tag = buf.subarray(start + 5, end);
        if (tag.equals(TAG_DISCARD_ALL) || tag.equals(TAG_DEALLOCATE_ALL)) {
            this.statements.clear();
            // RESET ALL re-reports the reported settings that change; the ones Sluice set itself
            // and the server does not report are back at their defaults, so forget them.
            if (tag.equals(TAG_DISCARD_ALL))
                for (const name of this.params.keys())
                    if (!this.reported.has(name))
                        this.params.delete(name);
        }
    }
    /** Messages while idle in the pool: keep ParameterStatus; anything else means trouble. */
    onUnownedMessage(type, buf, start, end) {
        if (type === B.ParameterStatus) {
            const [name, value] = readParameterStatus(buf, start, end);
            this.params.set(name, value);
        }
        else if (type === B.ErrorResponse) {
            this.retire = true;
        }
        else if (type === B.ReadyForQuery) {
            // Answer to a query of Sluice's own with no owner (reset during release).
            this.txStatus = buf[start + 5];
            this.queue.shift();
        }
    }
}
/** Owner for Sluice's own queries: swallows output, settles on ReadyForQuery. */
class QuietOwner {
    conn;
    resolve;
    reject;
    out;
    done = () => { };
    failed = null;
    constructor(conn, resolve, reject) {
        this.conn = conn;
        this.resolve = resolve;
        this.reject = reject;
        this.out = {
            forward: (buf, start) => { if (buf[start] === B.ErrorResponse)
                this.failed = 'server answered with an error'; },
            send() { },
            flush() { },
        };
    }
    onParameterStatus() { }
    onReadyForQuery(status, settled) {
        if (!settled)
            return;
        this.done();
        this.conn.detach();
        if (this.failed !== null || status !== TX_IDLE)
            this.reject(new ServerLostError(this.failed ?? 'server left a transaction open'));
        else
            this.resolve();
    }
    onStatementFailed() { }
    onServerLost(reason) {
        this.done();
        this.conn.detach();
        this.conn.close(reason);
        this.reject(new ServerLostError(reason));
    }
    onServerDrained() { }
}
//# sourceMappingURL=server-connection.js.map