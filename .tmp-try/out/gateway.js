export class Gateway {
    config;
    log;
    constructor(config, log) {
        this.config = config;
        this.log = log;
    }
    /** Bind listeners and start pools. Backends that are down are not fatal: pools keep retrying. */
    async start() {
        throw new Error('Gateway.start is being written in this change');
    }
    /** Apply pool sizes, timeouts and users from a new config without dropping clients. */
    async reload(config) {
        this.config = config;
    }
    /** Stop accepting, let transactions in flight finish up to timeoutMs, then close everything. */
    async shutdown(timeoutMs) {
        void timeoutMs;
    }
}
//# sourceMappingURL=gateway.js.map