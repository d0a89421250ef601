import { Pool } from '../../pool/pool.js';
import { HostSet } from '../../router/host-set.js';
import { parseScramVerifier, scramVerifierFromPassword } from '../../wire/postgres/scram.js';
import { PgServerConnection } from './server-connection.js';
export class PgSource {
    config;
    hosts;
    pools = new Map();
    /** ParameterStatus values of the first server reached, shown to clients at login. */
    serverParams = null;
    /** Client connections logged in to this source now. */
    clients = 0;
    verifiers = new Map();
    log;
    maxMessageSize;
    constructor(config, log, maxMessageSize) {
        this.config = config;
        this.log = log.child({ source: config.name });
        this.maxMessageSize = maxMessageSize;
        this.hosts = new HostSet(config.hosts);
        for (const user of config.users)
            this.pools.set(user.name, this.createPool(user));
    }
    get name() { return this.config.name; }
    user(name) { return this.config.users.find((u) => u.name === name); }
    pool(user) {
        let pool = this.pools.get(user.name);
        if (pool === undefined) {
            pool = this.createPool(user);
            this.pools.set(user.name, pool);
        }
        return pool;
    }
    scramVerifier(user) {
        const cached = this.verifiers.get(user.name);
        if (cached !== undefined && cached.password === user.password)
            return cached.verifier;
        const verifier = parseScramVerifier(user.password) ?? scramVerifierFromPassword(user.password);
        this.verifiers.set(user.name, { password: user.password, verifier });
        return verifier;
    }
    /** New pool sizes, timeouts and users; connections of removed users close as they come back. */
    reload(config) {
        this.config = config;
        for (const [name, pool] of this.pools) {
            const user = config.users.find((u) => u.name === name);
            if (user === undefined) {
                this.pools.delete(name);
                void pool.close();
            }
            else {
                pool.resize(this.poolOptions(user));
            }
        }
        for (const user of config.users)
            if (!this.pools.has(user.name))
                this.pools.set(user.name, this.createPool(user));
    }
    async close() {
        await Promise.all([...this.pools.values()].map((p) => p.close()));
    }
    poolOptions(user) {
        return { ...this.config.pool, size: user.pool_size ?? this.config.pool.size };
    }
    createPool(user) {
        const source = this;
        const connector = {
            async connect(target, timeoutMs) {
                const host = target;
                const cfg = source.config;
                const u = source.user(user.name) ?? user;
                const conn = await PgServerConnection.connect({
                    host,
                    creds: { user: u.server_user ?? u.name, password: u.server_password ?? u.password, database: cfg.database },
                    timeoutMs,
                    maxPreparedStatements: cfg.pool.max_prepared_statements,
                    maxMessageSize: source.maxMessageSize,
                    log: source.log,
                });
                host.connections++;
                conn.onClosed = (c) => {
                    host.connections--;
                    pool.onConnectionClosed(c);
                };
                if (source.serverParams === null)
                    source.serverParams = new Map(conn.params);
                return conn;
            },
            async check(conn) {
                await conn.runOwnQuery(source.config.pool.server_check_query, source.config.pool.server_connect_timeout);
            },
            async reset(conn) {
                const sql = source.config.pool.server_reset_query;
                if (sql !== '')
                    await conn.runOwnQuery(sql, source.config.pool.server_connect_timeout);
                conn.statements.clear();
            },
        };
        const pool = new Pool({
            name: `${this.config.name}/${user.name}`,
            options: this.poolOptions(user),
            connector,
            pickHost: () => this.hosts.pick('primary'),
            log: this.log,
        });
        return pool;
    }
}
//# sourceMappingURL=pg-source.js.map