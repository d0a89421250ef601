/**
 * TLS towards PostgreSQL clients: after an SSLRequest answered 'S', or directly from the first
 * byte (PostgreSQL 17's sslnegotiation=direct, which must name ALPN "postgresql"). The
 * session keeps running on the TLS socket; the raw socket stays the listener's to count.
 */
import type net from 'node:net';
import type tls from 'node:tls';
import type { ClientTlsContext } from '../tls/tls-contexts.js';
import { acceptClientTlsSocket } from '../tls/client-tls-socket.js';

/** First byte of a TLS record carrying a handshake: a ClientHello where a startup packet would be. */
export const TLS_HANDSHAKE_RECORD = 0x16;
/** The ALPN protocol a direct-TLS PostgreSQL client must offer (PostgreSQL 17). */
export const POSTGRES_ALPN = 'postgresql';

/**
 * Wrap the client's socket in a server-side TLS socket (shared with MySQL's upgrade). Direct
 * TLS has no SSLRequest to say what follows, so PostgreSQL insists on ALPN to rule out
 * cross-protocol confusion; Sluice refuses a direct client that does not offer it.
 */
export function acceptClientTls(raw: net.Socket, ctx: ClientTlsContext, early: Buffer | null, direct: boolean): tls.TLSSocket {
  return acceptClientTlsSocket(raw, ctx, early, direct ? [POSTGRES_ALPN] : undefined);
}

/** Direct TLS is only PostgreSQL's when the client negotiated its ALPN protocol. */
export function directTlsAlpnOk(socket: tls.TLSSocket): boolean {
  return socket.alpnProtocol === POSTGRES_ALPN;
}
