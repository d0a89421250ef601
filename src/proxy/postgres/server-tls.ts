/**
 * TLS towards PostgreSQL servers, libpq's way: an SSLRequest first, then TLS over the same
 * socket when the server answers 'S'. The sslmode decides what 'N' means (prefer: go on in
 * plain text; require and stronger: fail) and what is verified (verify-ca: the chain;
 * verify-full: the chain and the host name or address).
 */
import { ServerConnectError } from '../../errors.js';
import type { ServerTlsOptions } from '../tls/tls-contexts.js';

export { connectServerTls, serverTlsFor } from '../tls/server-tls-connect.js';

/** Int32 length 8, then the SSLRequest code 1234.5679. */
export const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
const YES = 0x53; // 'S'
const NO = 0x4e; // 'N'

/**
 * What the server's one-byte answer to SSLRequest means under this mode: 'tls' to start the
 * handshake, 'plain' to log in without it. Throws ServerConnectError when the mode forbids
 * going on.
 */
export function sslAnswer(answer: Buffer, options: ServerTlsOptions, hostKey: string): 'tls' | 'plain' {
  // Anything after the answer byte arrived before TLS started: a man in the middle could have
  // injected it (CVE-2021-23222), so it is refused as libpq does.
  if (answer.length > 1) throw new ServerConnectError(`server ${hostKey} sent unencrypted data after its SSL response`);
  if (answer[0] === YES) return 'tls';
  if (answer[0] === NO) {
    if (options.mode === 'prefer') return 'plain';
    throw new ServerConnectError(`server ${hostKey} does not support TLS, but server_tls.mode is ${options.mode}; enable ssl on the server or lower the mode to prefer`);
  }
  throw new ServerConnectError(`server ${hostKey} answered the SSL request with an unexpected byte 0x${(answer[0] ?? 0).toString(16)}`);
}
