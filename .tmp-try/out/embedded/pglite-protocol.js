/** What the PGlite child and its supervisor share: the IPC messages and the connection limit. */
/**
 * Server connections the embedded PGlite serves correctly at once. pglite-socket 0.2's
 * multiplexer (maxConnections > 1) interleaves connections message by message, so two
 * clients using the extended protocol get each other's unnamed statements and portals
 * ("portal \"\" does not exist", wrong rows), and all connections share one session.
 * Sluice's own pool is the multiplexer instead: size the source's pool to this.
 */
export const PGLITE_MAX_CONNECTIONS = 1;
export function isChildMessage(value) {
    if (typeof value !== 'object' || value === null || !('type' in value))
        return false;
    return value.type === 'ready' || value.type === 'warning';
}
//# sourceMappingURL=pglite-protocol.js.map