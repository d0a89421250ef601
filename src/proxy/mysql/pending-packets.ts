/**
 * Client packets that arrive while a command is in flight (pipelining clients, MariaDB's
 * prepare-then-execute), kept in order with the socket paused so that memory stays bounded,
 * and fed back one command at a time once the session is free.
 */
import type net from 'node:net';

export interface HeldPacket { seq: number; buf: Buffer; start: number; end: number; part: number }

export class PendingPackets {
  private readonly items: HeldPacket[] = [];
  private draining = false;

  constructor(private readonly socket: net.Socket) {}

  /** Packets are waiting, or being fed: a new one must queue behind them. */
  get busy(): boolean { return this.draining || this.items.length > 0; }

  hold(p: HeldPacket): void {
    this.items.push(p);
    this.socket.pause();
  }

  /** Feed held packets to `start` while `free()`; the socket reads again once none are left. */
  drain(free: () => boolean, start: (p: HeldPacket) => void): void {
    if (this.draining) return;
    this.draining = true;
    while (free() && this.items.length > 0) start(this.items.shift()!);
    this.draining = false;
    // Even with a command in flight: LOAD DATA LOCAL INFILE needs the client's next packets.
    if (this.items.length === 0) this.socket.resume();
  }
}
