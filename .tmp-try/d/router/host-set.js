export class HostSet {
    hosts;
    constructor(hosts) {
        this.hosts = hosts.map((h) => ({
            host: h.host,
            port: h.port,
            key: h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`,
            config: h,
            disabled: false,
            connections: 0,
        }));
    }
    /**
     * A host for a new connection: primaries (or 'auto') for 'primary', any for 'any'; among
     * them the one with the fewest connections per unit of weight.
     */
    pick(role) {
        let best = null;
        let bestLoad = Infinity;
        for (const h of this.hosts) {
            if (h.disabled)
                continue;
            if (role === 'primary' && h.config.role === 'replica')
                continue;
            const load = h.connections / Math.max(h.config.weight, 1e-9);
            if (load < bestLoad) {
                best = h;
                bestLoad = load;
            }
        }
        return best;
    }
    find(key) { return this.hosts.find((h) => h.key === key); }
}
//# sourceMappingURL=host-set.js.map