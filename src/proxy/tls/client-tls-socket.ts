/**
 * The server side of a client's TLS upgrade, for every protocol whose clients ask first
 * (PostgreSQL's SSLRequest, MySQL's CLIENT_SSL): the accepted socket wrapped in a TLS socket
 * with the listener's context. The protocol decides when; this only does the wrapping.
 */
import type net from 'node:net';
import tls from 'node:tls';
import type { ClientTlsContext } from './tls-contexts.js';

/**
 * `early` holds bytes already read that belong to the TLS handshake (a ClientHello that came
 * with the request); they are put back so the TLS layer reads them first. The caller has
 * stopped reading the raw socket. `alpn` lists the protocols a client must offer, if any.
 */
export function acceptClientTlsSocket(raw: net.Socket, ctx: ClientTlsContext, early: Buffer | null, alpn?: string[]): tls.TLSSocket {
  if (early !== null && early.length > 0) raw.unshift(early);
  return new tls.TLSSocket(raw, {
    isServer: true,
    secureContext: ctx.context,
    requestCert: ctx.verifyClient,
    rejectUnauthorized: ctx.verifyClient,
    ...(alpn !== undefined && { ALPNProtocols: alpn }),
  });
}
