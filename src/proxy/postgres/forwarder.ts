/**
 * Writes to one socket, coalescing adjacent slices of the same input chunk into one write.
 * When the socket's buffer is full it tells its owner to pause the reading side; the owner
 * resumes on 'drain'. Slices are views, never copies.
 */
import type { Socket } from 'node:net';

/**
 * Set when a write could not go out at once and the socket keeps a reference to the bytes:
 * a reader that reuses its buffer must not overwrite them (see server-dial.ts ReusedReadBuffer).
 */
export const writeRetention = { retained: false };

export interface BackpressureTarget {
  /** The destination is full: stop reading from the source until it drains. */
  onDestinationFull(): void;
}

/** What a server connection writes towards its client through. */
export interface ClientOutput {
  forward(buf: Buffer, start: number, end: number): void;
  send(msg: Buffer): void;
  flush(): void;
}

/** Until a server connection's forwarder is first leased there is nobody to pause. */
const NOBODY: BackpressureTarget = { onDestinationFull() {} };

export class Forwarder implements ClientOutput {
  private socket: Socket;
  private target: BackpressureTarget;
  private buf: Buffer | null = null;
  private start = 0;
  private end = 0;
  /** Bytes written through this forwarder, for stats; read on scrape. */
  bytes = 0;

  /** Forwarded slices are views of a buffer the next read reuses (shared-reads.ts): write copies. */
  private copies = false;

  constructor(socket: Socket, target: BackpressureTarget = NOBODY) {
    this.socket = socket;
    this.target = target;
  }

  /** The client's bytes moved to a TLS socket over the accepted one (login only, nothing queued). */
  useSocket(socket: Socket): void {
    this.flush();
    this.socket = socket;
  }

  /**
   * A server connection keeps one forwarder for its life; each lease points it at the new
   * client and starts its byte count over (one object per connection, not one per lease).
   * `borrowed`: that client's bytes are views of a shared read buffer (shared-reads.ts).
   */
  retarget(target: BackpressureTarget, borrowed = false): void {
    this.flush();
    this.target = target;
    this.copies = borrowed;
    this.bytes = 0;
  }

  /** Queue buf[start, end) after what is already queued. */
  forward(buf: Buffer, start: number, end: number): void {
    if (this.buf === buf && this.end === start) {
      this.end = end;
      return;
    }
    this.flush();
    this.buf = buf;
    this.start = start;
    this.end = end;
  }

  /** Write a message Sluice built, in order after what is queued. */
  send(msg: Buffer): void {
    this.flush();
    this.write(msg);
  }

  flush(): void {
    const buf = this.buf;
    if (buf === null) return;
    this.buf = null;
    // A range that covers the whole chunk needs no view object. A borrowed range is copied: a
    // write the kernel cannot take at once keeps its bytes until later, and by then the shared
    // buffer holds another socket's read.
    if (this.copies) this.write(Buffer.from(buf.subarray(this.start, this.end)));
    else this.write(this.start === 0 && this.end === buf.length ? buf : buf.subarray(this.start, this.end));
  }

  private write(data: Buffer): void {
    this.bytes += data.length;
    if (this.socket.destroyed) return;
    if (!this.socket.write(data)) this.target.onDestinationFull();
    if (this.socket.writableLength > 0) writeRetention.retained = true;
  }
}
