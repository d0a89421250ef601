/**
 * Sluice-issued BackendKeyData. A client's CancelRequest names Sluice's key, never a server's;
 * the key leads to the session, and the session to the server (and its real key) running
 * that client's query now, if any.
 */
import { randomInt } from 'node:crypto';

export interface Cancellable {
  readonly cancelSecret: number;
  /** Forward a cancel to the server running this client's work, if there is one. */
  cancelRunningQuery(): void;
}

export class CancelKeys {
  private readonly sessions = new Map<number, Cancellable>();
  private nextPid = randomInt(1, 1 << 20);

  /** A new (pid, secret) pair not in use. */
  issue(): { pid: number; secret: number } {
    let pid = this.nextPid;
    while (this.sessions.has(pid)) pid = (pid % 0x7ffffffe) + 1;
    this.nextPid = (pid % 0x7ffffffe) + 1;
    return { pid, secret: randomInt(-0x80000000, 0x7fffffff) };
  }

  register(pid: number, session: Cancellable): void { this.sessions.set(pid, session); }
  unregister(pid: number): void { this.sessions.delete(pid); }

  /** The session behind a CancelRequest, or null if the key does not match one. */
  find(pid: number, secret: number): Cancellable | null {
    const s = this.sessions.get(pid);
    return s !== undefined && s.cancelSecret === secret ? s : null;
  }
}
