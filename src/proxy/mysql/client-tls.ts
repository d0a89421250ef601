/**
 * TLS towards MySQL clients. MySQL has no answer to an SSLRequest: the client sends the short
 * HandshakeResponse with CLIENT_SSL and starts the TLS handshake at once, so the ClientHello
 * may arrive in the same read as the request. The session stops framing at the request and
 * hands the rest of the read to the TLS socket (tls/client-tls-socket.ts).
 */
import { HEADER_SIZE, isSslRequest } from '../../wire/mysql/index.js';

/** The framed packet at buf[start, end) is an SSLRequest (the greeting's answer, sequence id 1). */
export function isSslRequestPacket(seq: number, buf: Buffer, start: number, end: number): boolean {
  return seq === 1 && isSslRequest(buf.subarray(start + HEADER_SIZE, end));
}
