/**
 * What a Redis client session writes to its socket: replies, Sluice's own answers and push
 * frames. Pushes (pub/sub messages, tracking invalidations, MONITOR lines) wait while a reply
 * is half written, since RESP frames may only interleave at reply boundaries. A client that
 * stops reading is first paused (the session stops reading its commands, so no more replies
 * are made for it), and cut off once what is queued for it passes client_output_limit, so it
 * never holds up a shared server connection.
 */
import type net from 'node:net';

export interface OutputOwner {
  /** Bytes queued beyond which the client is cut off. */
  outputLimit(): number;
  /** The socket is full (or drained again): pause or resume reading the client's commands. */
  onBlockedChange(): void;
  /** Cut off at the output limit. */
  onOverLimit(queued: number): void;
}

export class ClientOutput {
  /** A reply is partly written. */
  midReply = false;
  /** The socket refused more; waiting for 'drain'. */
  blocked = false;
  closed = false;
  private heldPushes: Buffer[] = [];
  private readonly socket: net.Socket;
  private readonly owner: OutputOwner;

  constructor(socket: net.Socket, owner: OutputOwner) {
    this.socket = socket;
    this.owner = owner;
  }

  /** Bytes of replies; `complete` false when they end inside a reply. */
  reply(bytes: Buffer, complete: boolean): void {
    if (bytes.length > 0) this.write(bytes);
    this.midReply = !complete;
    if (complete && this.heldPushes.length > 0) {
      const frames = this.heldPushes;
      this.heldPushes = [];
      for (const f of frames) this.write(f);
    }
  }

  /** A frame nobody asked for, written at the next reply boundary. */
  push(frame: Buffer): void {
    if (this.midReply) this.heldPushes.push(frame);
    else this.write(frame);
  }

  write(bytes: Buffer): void {
    if (this.closed) return;
    if (this.socket.write(bytes)) return;
    const queued = this.socket.writableLength;
    if (queued > this.owner.outputLimit()) {
      this.closed = true;
      this.socket.destroy();
      this.owner.onOverLimit(queued);
      return;
    }
    if (this.blocked) return;
    this.blocked = true;
    this.owner.onBlockedChange();
    this.socket.once('drain', () => {
      this.blocked = false;
      this.owner.onBlockedChange();
    });
  }
}
