/**
 * The accept loop every protocol shares: binds an address, counts connections against the
 * listener's limit and hands each socket to the protocol. Over the limit the protocol is asked
 * to refuse the socket in its own words (e.g. PostgreSQL 53300), then it is closed.
 */
import net from 'node:net';
import type { Logger } from 'pino';
import type { ListenAddress } from '../config/types.js';
import { adoptWithSharedReads, dataEvents, type AcceptedInput } from './shared-reads.js';

export interface ProtocolAcceptor {
  /** Take over an accepted socket, whose bytes come through `input`. */
  accept(socket: net.Socket, input: AcceptedInput): void;
  /** Read accepted sockets into one shared buffer (shared-reads.ts); the protocol copies what it keeps. */
  readonly sharedReads?: boolean;
  /** Tell a socket over the connection limit why it is refused. */
  refuseTooMany(socket: net.Socket, limit: number): void;
}

export class Listener {
  readonly name: string;
  private readonly server: net.Server;
  private readonly acceptor: ProtocolAcceptor;
  private readonly log: Logger;
  maxConnections: number;
  /** Open client connections; plain counters read by metrics on scrape. */
  connections = 0;
  accepted = 0;
  refused = 0;

  constructor(name: string, acceptor: ProtocolAcceptor, maxConnections: number, log: Logger) {
    this.name = name;
    this.acceptor = acceptor;
    this.maxConnections = maxConnections;
    this.log = log;
    this.server = net.createServer({ noDelay: true, pauseOnConnect: acceptor.sharedReads === true }, (socket) => this.onConnection(socket));
    this.server.on('error', (err) => this.log.error({ err, listener: name }, 'listener error'));
  }

  listen(address: ListenAddress): Promise<ListenAddress> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: address.host, port: address.port, backlog: 4096 }, () => {
        this.server.off('error', onError);
        const a = this.server.address() as net.AddressInfo;
        this.log.info({ listener: this.name, address: `${a.address}:${a.port}` }, 'listening');
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  get listening(): boolean { return this.server.listening; }

  /** Stop accepting; open connections are the protocol's to finish (close() would wait for them). */
  stop(): void {
    if (this.server.listening) this.server.close();
  }

  private onConnection(socket: net.Socket): void {
    this.accepted++;
    if (this.connections >= this.maxConnections) {
      this.refused++;
      socket.on('error', () => {});
      // Read (and drop) what the client sends, so closing does not reset the answer away.
      if (socket.isPaused()) socket.resume();
      this.acceptor.refuseTooMany(socket, this.maxConnections);
      return;
    }
    this.connections++;
    const adopted = this.acceptor.sharedReads === true ? adoptWithSharedReads(socket) : { socket, input: dataEvents(socket) };
    adopted.socket.once('close', () => { this.connections--; });
    this.acceptor.accept(adopted.socket, adopted.input);
  }
}
