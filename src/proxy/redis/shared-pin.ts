/**
 * A client's pin to one shared connection of a role (primary, or replica for reads): kept
 * while that connection lives and the client's RESP version stays, so the client's pipeline
 * is answered in order by that connection's FIFO.
 */
import type { RespVersion } from '../../wire/redis/index.js';
import type { RedisSourceContext } from './context.js';
import type { RedisServerConnection } from './server-connection.js';
import type { SharedWaiter } from './shared-group.js';

export class SharedPin {
  private conn: RedisServerConnection | null = null;
  private version: RespVersion = 2;
  private readonly ctx: RedisSourceContext;
  readonly role: 'primary' | 'replica';

  constructor(ctx: RedisSourceContext, role: 'primary' | 'replica') {
    this.ctx = ctx;
    this.role = role;
  }

  /** The pinned connection when it can serve a client of `version`. */
  current(version: RespVersion): RedisServerConnection | null {
    const conn = this.conn;
    return conn !== null && !conn.closed && this.version === version ? conn : null;
  }

  /** Pin anew; null when the group has no open connection yet (then `waiter` hears back). */
  pin(version: RespVersion, waiter: SharedWaiter): RedisServerConnection | null {
    this.release();
    this.version = version;
    this.conn = this.ctx.shared(version, this.role).pin(waiter);
    return this.conn;
  }

  /** The group's answer to a waiting pin(). */
  pinned(conn: RedisServerConnection): void {
    this.conn = conn;
  }

  cancelWait(waiter: SharedWaiter): void {
    this.ctx.shared(this.version, this.role).cancelWait(waiter);
  }

  release(): void {
    if (this.conn !== null) this.ctx.shared(this.version, this.role).unpin(this.conn);
    this.conn = null;
  }
}
