/**
 * How a TLS connection is shown to operators: PgBouncer's SHOW CLIENTS/SERVERS `tls` column
 * form, "TLSv1.3/TLS_AES_256_GCM_SHA384"; empty for plain text. Read by admin views only.
 */
import type net from 'node:net';
import tls from 'node:tls';

export function tlsDescription(socket: net.Socket): string {
  if (!(socket instanceof tls.TLSSocket) || socket.destroyed) return '';
  const protocol = socket.getProtocol();
  const cipher = socket.getCipher();
  if (protocol === null || cipher === undefined) return '';
  return `${protocol}/${cipher.standardName}`;
}
