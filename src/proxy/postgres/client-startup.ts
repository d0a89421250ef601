/**
 * What a client sends before it names a user: SSLRequest (answered S and upgraded to TLS when
 * client_tls allows), GSSENCRequest (refused), CancelRequest (forwarded, then closed),
 * PostgreSQL 17 direct TLS, and at last the startup packet, handed to `onStartup` with the
 * bytes that came after it.
 */
import { ProtocolError } from '../../errors.js';
import { B } from '../../wire/postgres/constants.js';
import { MAX_STARTUP_PACKET, parseStartupPacket, startupPacketLength } from '../../wire/postgres/startup.js';
import { acceptClientTls, directTlsAlpnOk, TLS_HANDSHAKE_RECORD } from './client-tls.js';
import type { PgClientSession } from './client-session.js';
import type { PgProxyContext } from './context.js';

const NO_ENCRYPTION = Buffer.from('N');
const ENCRYPTION_YES = Buffer.from('S');

export type StartupHandler = (params: Map<string, string>, rest: Buffer) => void;

export class ClientStartup {
  private bytes: Buffer = Buffer.alloc(0);

  constructor(private readonly session: PgClientSession, private readonly ctx: PgProxyContext, private readonly onStartup: StartupHandler) {}

  /** Bytes from the client before its startup packet is complete. Throws ProtocolError. */
  push(chunk: Buffer): void {
    if (this.bytes.length === 0 && !this.session.tls && chunk[0] === TLS_HANDSHAKE_RECORD) {
      this.startDirectTls(chunk);
      return;
    }
    this.bytes = this.bytes.length === 0 ? chunk : Buffer.concat([this.bytes, chunk]);
    for (;;) {
      const len = startupPacketLength(this.bytes);
      if (len < 0 || this.bytes.length < len) {
        if (this.bytes.length > MAX_STARTUP_PACKET) throw new ProtocolError('startup packet too long');
        return;
      }
      const packet = parseStartupPacket(this.bytes.subarray(0, len));
      const rest = this.bytes.subarray(len);
      this.bytes = Buffer.alloc(0);
      switch (packet.kind) {
        case 'ssl':
          if (this.ctx.clientTls !== null && !this.session.tls) {
            // Bytes behind an SSLRequest would be read as if they came over TLS: PostgreSQL
            // refuses them (CVE-2021-23214), and so does Sluice.
            if (rest.length > 0) throw new ProtocolError('received unencrypted data after SSL request');
            this.admitTls(() => {
              this.session.socket.write(ENCRYPTION_YES);
              this.startTls(null, false);
            });
            return;
          }
          this.session.socket.write(NO_ENCRYPTION);
          this.bytes = rest;
          continue;
        case 'gssenc':
          this.session.socket.write(NO_ENCRYPTION);
          this.bytes = rest;
          continue;
        case 'cancel':
          this.ctx.cancelKeys.find(packet.pid, packet.secret)?.cancelRunningQuery();
          this.session.close();
          return;
        case 'startup':
          if (packet.minor > 0 || packet.protocolOptions.length > 0) this.session.socket.write(negotiateProtocolVersion(packet.protocolOptions));
          this.onStartup(packet.params, rest);
          return;
      }
    }
  }

  /** A client that opens with a TLS ClientHello instead of a startup packet (PostgreSQL 17 direct TLS). */
  private startDirectTls(hello: Buffer): void {
    if (this.ctx.clientTls === null) {
      // No TLS here: nothing the client would read as an answer, so just close.
      this.ctx.log.info({ client: this.session.remoteAddress }, 'direct TLS from a client, but client_tls is disabled; closing it');
      this.session.close();
      return;
    }
    const early = Buffer.from(hello);
    this.admitTls(() => this.startTls(early, true));
  }

  /**
   * Start the handshake when the gate says it is its turn. Until then the raw socket stays
   * paused: the client waits for 'S' (or for the ServerHello) and sends nothing meanwhile.
   */
  private admitTls(start: () => void): void {
    const raw = this.session.socket;
    raw.pause();
    this.ctx.handshakeGate.admit(start, () => raw.destroyed);
  }

  /** Hand the socket to TLS; the startup packet then arrives through the TLS socket. */
  private startTls(early: Buffer | null, direct: boolean): void {
    const raw = this.session.socket;
    raw.pause();
    const secure = acceptClientTls(raw, this.ctx.clientTls!, early, direct);
    this.session.useTls(secure);
    secure.once('secure', () => {
      if (direct && !directTlsAlpnOk(secure)) {
        this.ctx.log.info({ client: this.session.remoteAddress }, 'direct TLS without ALPN "postgresql"; closing it');
        this.session.close();
      }
    });
  }
}

function negotiateProtocolVersion(options: readonly string[]): Buffer {
  const names = options.map((o) => Buffer.from(o + '\0'));
  const body = 8 + names.reduce((n, b) => n + b.length, 0);
  const buf = Buffer.allocUnsafe(1 + 4 + body);
  buf[0] = B.NegotiateProtocolVersion;
  buf.writeInt32BE(4 + body, 1);
  buf.writeInt32BE(0, 5); // newest minor version supported: 3.0
  buf.writeInt32BE(options.length, 9);
  let o = 13;
  for (const n of names) o += n.copy(buf, o);
  return buf;
}
