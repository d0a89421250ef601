/**
 * What a client has left on its dedicated server connection, followed from the commands it
 * sends there, so the connection goes back to the pool as soon as nothing is left: no open
 * MULTI, no WATCH, the default db, no client tracking, no MONITOR. A blocking command needs
 * no flag: the connection is held while a reply is owed.
 */
import type { RespCommand } from '../../wire/redis/index.js';

export class DedicatedState {
  multi = false;
  watching = false;
  otherDb = false;
  tracking = false;
  monitor = false;

  /** Follow one command sent on the dedicated connection. */
  observe(cmd: RespCommand, defaultDb: number): void {
    if (cmd.argIs(0, 'MULTI')) this.multi = true;
    else if (cmd.argIs(0, 'EXEC') || cmd.argIs(0, 'DISCARD')) { this.multi = false; this.watching = false; }
    else if (cmd.argIs(0, 'WATCH')) this.watching = true;
    else if (cmd.argIs(0, 'UNWATCH')) this.watching = false;
    else if (cmd.argIs(0, 'SELECT') && cmd.argc === 2) this.otherDb = cmd.argString(1) !== String(defaultDb);
    else if (cmd.argIs(0, 'MONITOR')) this.monitor = true;
    else if (cmd.argIs(0, 'CLIENT') && cmd.argIs(1, 'TRACKING') && cmd.argc >= 3) this.tracking = cmd.argIs(2, 'ON');
  }

  get idle(): boolean {
    return !this.multi && !this.watching && !this.otherDb && !this.tracking && !this.monitor;
  }

  clear(): void {
    this.multi = false;
    this.watching = false;
    this.otherDb = false;
    this.tracking = false;
    this.monitor = false;
  }
}
