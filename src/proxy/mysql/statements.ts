/**
 * Binary prepared statements shared across server connections. A statement is known once,
 * globally, by schema and SQL text (with the prepare answer the first server gave, replayed to
 * later clients without a round trip); each server connection maps the global ids it has
 * prepared to its own, least recently used first out; each client maps the ids it was given.
 */

export interface GlobalStatement {
  readonly id: number;
  readonly schema: string;
  /** The COM_STMT_PREPARE payload, command byte included: what a lazy re-prepare sends. */
  readonly prepare: Buffer;
  readonly paramCount: number;
  /** The prepare answer's packets as the server sent them; the statement id at payload offset 1 is rewritten per client. */
  readonly response: Buffer;
  /** Whether an execute may go to a replica (read_write_split), judged by the unit router at the first execute; null before. */
  reads: boolean | null;
}

let nextGlobalId = 1;

export class StatementCache {
  private readonly byKey = new Map<string, GlobalStatement>();
  constructor(private readonly limit = 10_000) {}

  get(schema: string, prepare: Buffer): GlobalStatement | undefined {
    const key = cacheKey(schema, prepare);
    const s = this.byKey.get(key);
    if (s !== undefined) {
      this.byKey.delete(key);
      this.byKey.set(key, s);
    }
    return s;
  }

  add(schema: string, prepare: Buffer, paramCount: number, response: Buffer): GlobalStatement {
    const s: GlobalStatement = { id: nextGlobalId++, schema, prepare: Buffer.from(prepare), paramCount, response, reads: null };
    this.byKey.set(cacheKey(schema, prepare), s);
    // Server connections still holding an evicted statement drop it through their own LRU.
    if (this.byKey.size > this.limit) this.byKey.delete(this.byKey.keys().next().value!);
    return s;
  }
}

function cacheKey(schema: string, prepare: Buffer): string {
  return `${schema}\0${prepare.toString('latin1', 1)}`;
}

export class ConnectionStatements {
  /** Global id → server id, in least-recently-used order. */
  private readonly ids = new Map<number, number>();
  constructor(private readonly limit: number) {}

  get(globalId: number): number | undefined {
    const id = this.ids.get(globalId);
    if (id !== undefined) {
      this.ids.delete(globalId);
      this.ids.set(globalId, id);
    }
    return id;
  }

  /** Returns the server id of a statement pushed out, for the caller to close on the server. */
  add(globalId: number, serverId: number): number | undefined {
    this.ids.set(globalId, serverId);
    if (this.ids.size <= Math.max(this.limit, 1)) return undefined;
    const [oldest, evicted] = this.ids.entries().next().value!;
    this.ids.delete(oldest);
    return evicted;
  }

  /** The server dropped them all (COM_RESET_CONNECTION). */
  clear(): void { this.ids.clear(); }

  /** Statements prepared on the connection now (SHOW SERVERS' prepared statements). */
  get size(): number { return this.ids.size; }
}

export interface ClientStatement {
  readonly global: GlobalStatement;
  /** Parameter types from the last execute that sent them, for executes that do not. */
  types: Buffer | null;
}
