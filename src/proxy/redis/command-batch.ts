/**
 * The run of a client's commands not yet handed to their server connection. Commands that
 * sit next to each other in one read from the client, bound for one connection, leave as one
 * slice of that read: one send, one FIFO entry, no copy, however deep the client's pipeline.
 */
import type { RespCommand } from '../../wire/redis/index.js';
import type { ReplySink } from './reply-queue.js';
import type { RedisServerConnection } from './server-connection.js';

export class CommandBatch {
  private conn: RedisServerConnection | null = null;
  private buf: Buffer | null = null;
  private start = 0;
  private end = 0;
  private count = 0;

  add(sink: ReplySink, conn: RedisServerConnection, cmd: RespCommand): void {
    if (this.conn === conn && this.buf === cmd.buf && this.end === cmd.start) {
      this.end = cmd.end;
      this.count++;
      return;
    }
    this.flush(sink);
    this.conn = conn;
    this.buf = cmd.buf;
    this.start = cmd.start;
    this.end = cmd.end;
    this.count = 1;
  }

  flush(sink: ReplySink): void {
    if (this.count === 0 || this.conn === null || this.buf === null) return;
    this.conn.send(sink, this.buf.subarray(this.start, this.end), this.count);
    this.conn = null;
    this.buf = null;
    this.count = 0;
  }
}
