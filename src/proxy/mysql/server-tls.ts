/**
 * TLS towards MySQL and MariaDB servers, as MySQL clients' --ssl-mode: the server's greeting
 * says whether it offers TLS (CLIENT_SSL); if it does and server_tls is on, Sluice answers
 * with an SSLRequest (the first 32 bytes of a HandshakeResponse) and starts the TLS handshake
 * at once, with no answer to wait for, then logs in over TLS. The mode decides what a server
 * without TLS means (prefer: log in in plain text; require and stronger: fail); what is
 * verified is tls/server-tls-connect.ts's business.
 */
import type { ServerTlsMode } from '../../config/tls.js';
import { ServerConnectError } from '../../errors.js';
import { CLIENT_SSL } from '../../wire/mysql/index.js';

/** How a login starts TLS: the mode, and the connection's upgrade of its socket. */
export interface ServerTlsUpgrade {
  readonly mode: Exclude<ServerTlsMode, 'disable'>;
  /** Wrap the socket in TLS and wait for the handshake; rejects with ServerConnectError. */
  start(): Promise<void>;
}

/** Whether to log in over TLS to a server whose greeting advertised `capabilities`. Throws when the mode forbids plain text. */
export function loginOverTls(capabilities: number, mode: ServerTlsUpgrade['mode'], hostKey: string): boolean {
  if (capabilities & CLIENT_SSL) return true;
  if (mode === 'prefer') return false;
  // Refused: the server will not start offering TLS on a retry.
  throw new ServerConnectError(`server ${hostKey} does not offer TLS and server_tls.mode is ${mode}; enable TLS on the server (ssl_cert, ssl_key) or lower the mode to prefer`, { refused: true });
}
