/**
 * TLS towards a source's servers, for every protocol: the options built once per server_tls
 * setting, and the upgrade of a connected socket, verifying as the mode says (libpq's sslmode
 * and MySQL's --ssl-mode mean the same: verify-ca checks the chain, verify-full the chain and
 * the host name or address). How the upgrade is negotiated is the protocol's business
 * (proxy/postgres/server-tls.ts, proxy/mysql/server-tls.ts).
 */
import net from 'node:net';
import tls from 'node:tls';
import type { ServerTlsConfig } from '../../config/tls.js';
import { ServerConnectError } from '../../errors.js';
import { serverTlsOptions, type ServerTlsOptions } from './tls-contexts.js';

const contexts = new WeakMap<ServerTlsConfig, ServerTlsOptions | null>();

/**
 * The TLS options for a source's server_tls, built once per configuration object (a reload
 * makes a new one, so new certificates apply to new connections). Throws TlsConfigError.
 */
export function serverTlsFor(config: ServerTlsConfig, source: string): ServerTlsOptions | null {
  let options = contexts.get(config);
  if (options === undefined) {
    options = serverTlsOptions(config, `sources.${source}.server_tls`);
    contexts.set(config, options);
  }
  return options;
}

/** Start TLS over the connected socket, verifying as the mode says. */
export function connectServerTls(socket: net.Socket, options: ServerTlsOptions, host: string): tls.TLSSocket {
  const verify = options.mode === 'verify-ca' || options.mode === 'verify-full';
  return tls.connect({
    socket,
    secureContext: options.context,
    rejectUnauthorized: verify,
    // SNI takes names only; an address is checked against the certificate's IP entries.
    ...(net.isIP(host) === 0 && { servername: host }),
    checkServerIdentity: options.mode === 'verify-full' ? (_name, cert) => tls.checkServerIdentity(host, cert) : () => undefined,
  });
}

/** Node's codes for a certificate that did not verify (X.509 chain errors, and the host-name check). */
const VERIFY_FAILURE = /CERT|ISSUER|SIGNATURE|SELF_SIGNED/;

/**
 * A failed TLS handshake towards a server, in words that say which setting to look at. A
 * certificate that does not verify is a refusal: it will not verify on the next try either,
 * so waiting clients are told at once.
 */
export function serverTlsError(err: Error & { code?: string }, options: ServerTlsOptions, hostKey: string): ServerConnectError {
  if (VERIFY_FAILURE.test(err.code ?? '')) {
    const fix = err.code === 'ERR_TLS_CERT_ALTNAME_INVALID'
      ? 'connect by a name or address the certificate lists, or use server_tls.mode verify-ca'
      : 'check that server_tls.ca is the CA that signed the server\'s certificate';
    return new ServerConnectError(`TLS to server ${hostKey}: certificate verify failed (server_tls.mode ${options.mode}): ${err.message}; ${fix}`, { cause: err, refused: true });
  }
  return new ServerConnectError(`TLS handshake with server ${hostKey} failed: ${err.message}`, { cause: err });
}
