/**
 * TLS towards PostgreSQL clients: after an SSLRequest answered 'S', or directly from the first
 * byte (PostgreSQL 17's sslnegotiation=direct, which must name ALPN "postgresql"). The
 * session keeps running on the TLS socket; the raw socket stays the listener's to count.
 */
import type net from 'node:net';
import tls from 'node:tls';
import type { ClientTlsContext } from '../tls/tls-contexts.js';

/** First byte of a TLS record carrying a handshake: a ClientHello where a startup packet would be. */
export const TLS_HANDSHAKE_RECORD = 0x16;
/** The ALPN protocol a direct-TLS PostgreSQL client must offer (PostgreSQL 17). */
export const POSTGRES_ALPN = 'postgresql';

/**
 * Wrap the client's socket in a server-side TLS socket. `early` holds bytes already read that
 * belong to the TLS handshake (direct TLS: the ClientHello); they are put back so the TLS layer
 * reads them first. The caller has stopped reading the raw socket.
 */
export function acceptClientTls(raw: net.Socket, ctx: ClientTlsContext, early: Buffer | null, direct: boolean): tls.TLSSocket {
  if (early !== null && early.length > 0) raw.unshift(early);
  return new tls.TLSSocket(raw, {
    isServer: true,
    secureContext: ctx.context,
    requestCert: ctx.verifyClient,
    rejectUnauthorized: ctx.verifyClient,
    // Direct TLS has no SSLRequest to say what follows, so PostgreSQL insists on ALPN to rule
    // out cross-protocol confusion; Sluice refuses a direct client that does not offer it.
    ...(direct && { ALPNProtocols: [POSTGRES_ALPN] }),
  });
}

/** Direct TLS is only PostgreSQL's when the client negotiated its ALPN protocol. */
export function directTlsAlpnOk(socket: tls.TLSSocket): boolean {
  return socket.alpnProtocol === POSTGRES_ALPN;
}
