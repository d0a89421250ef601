/**
 * The client socket as the forwarding path writes to it: packets of one server chunk leave in
 * one write (corked until the chunk is consumed), and a client that does not read pauses the
 * server connection feeding it until its socket drains.
 */
import type net from 'node:net';
import type { MysqlServerConnection } from './server-connection.js';

export class ClientOutput {
  private corked = false;
  private pausedServer = false;

  constructor(private readonly socket: net.Socket) {}

  forward(packet: Buffer, from: MysqlServerConnection): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
    }
    if (this.socket.write(packet) || this.pausedServer) return;
    this.pausedServer = true;
    from.pause();
    this.socket.once('drain', () => {
      this.pausedServer = false;
      from.resume();
    });
  }

  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }
}
