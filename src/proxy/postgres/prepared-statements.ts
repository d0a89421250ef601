/**
 * Named prepared statements in transaction pooling. A client's statement names are its own;
 * on the servers every distinct (query text, parameter types) gets one Sluice-wide name, so a
 * statement prepared on a server by one client is reused by every client that prepares the
 * same text, and a client's statement is re-prepared wherever its next transaction runs.
 */

/** Prefix of server-side names; clients never see them. */
export const SERVER_STATEMENT_PREFIX = 'sluice_';

/** Sluice-wide map from a Parse body (query and parameter types) to its server-side name. */
export class StatementRegistry {
  private readonly byBody = new Map<string, string>();
  private readonly verified = new Set<string>();
  private readonly limit: number;
  private next = 1;

  constructor(limit = 100_000) { this.limit = limit; }

  /** Server-side name for the Parse body body[start, end) (everything after the client's name). */
  nameFor(body: Buffer, start: number, end: number): string {
    const key = body.toString('latin1', start, end);
    let name = this.byBody.get(key);
    if (name === undefined) {
      name = SERVER_STATEMENT_PREFIX + (this.next++).toString(36);
      // Bounded: a forgotten entry only means a later identical Parse gets a fresh name.
      if (this.byBody.size >= this.limit) {
        const [oldBody, oldName] = this.byBody.entries().next().value!;
        this.byBody.delete(oldBody);
        this.verified.delete(oldName);
      }
      this.byBody.set(key, name);
    }
    return name;
  }

  get size(): number { return this.byBody.size; }

  /** A server accepted this statement once: its text parses. */
  markVerified(serverName: string): void { this.verified.add(serverName); }

  /** Did some server accept this statement already? Then a client's lone prepare can be answered without one. */
  isVerified(serverName: string): boolean { return this.verified.has(serverName); }
}

/** A statement as one client named it. */
export interface ClientStatement {
  serverName: string;
  /** The Parse body after the name: query text, NUL, parameter type count and OIDs. */
  parseBody: Buffer;
}

/** Statements prepared on one server connection, least recently used first. */
export class ServerStatementCache {
  private readonly names = new Map<string, true>();
  capacity: number;

  constructor(capacity: number) { this.capacity = capacity; }

  has(name: string): boolean { return this.names.has(name); }

  /** Mark as just used. */
  touch(name: string): void {
    if (this.names.delete(name)) this.names.set(name, true);
  }

  /** Record a new statement as the most recently used. */
  add(name: string): void {
    this.names.set(name, true);
  }

  /** While over capacity: the least recently used name, removed here, for the caller to close on the server. */
  evict(): string | null {
    if (this.names.size <= this.capacity) return null;
    const oldest = this.names.keys().next().value!;
    this.names.delete(oldest);
    return oldest;
  }

  /** A Close Sluice sent never ran (skipped after an error): the server still has it, least recently used. */
  restore(name: string): void {
    if (this.names.has(name)) return;
    const rest = [...this.names.keys()];
    this.names.clear();
    this.names.set(name, true);
    for (const n of rest) this.names.set(n, true);
  }

  delete(name: string): void { this.names.delete(name); }
  clear(): void { this.names.clear(); }
  get size(): number { return this.names.size; }
}
