/**
 * Which functions a source's database declares STABLE or IMMUTABLE (pg_proc.provolatile 's'
 * or 'i'). PostgreSQL refuses data-modifying commands inside such functions, so a read that
 * calls only them may run on a replica. Loaded from the database by the health probe and
 * replaced whole on each refresh; a name is non-volatile only when every overload of it is.
 */

export interface FunctionRow {
  readonly schema: string;
  readonly name: string;
  /** Every overload of schema.name is STABLE or IMMUTABLE. */
  readonly nonVolatile: boolean;
}

export class FunctionVolatility {
  /** Clock time (ms) of the last load; null before the first. */
  loadedAt: number | null = null;
  private qualified: ReadonlySet<string> = new Set();
  private bare: ReadonlySet<string> = new Set();

  /** Names known non-volatile: qualified ones, and unqualified ones over every schema. */
  get size(): number { return this.qualified.size; }

  /**
   * Is a call of `name` (in `schema`, or unqualified: null) known not to write? An unqualified
   * name counts only when it is non-volatile in every schema, whatever the search_path.
   */
  nonVolatile(schema: string | null, name: string): boolean {
    return schema === null ? this.bare.has(name) : this.qualified.has(qualifiedKey(schema, name));
  }

  replace(rows: Iterable<FunctionRow>, now: number): void {
    const inSchema = new Map<string, boolean>();
    const everywhere = new Map<string, boolean>();
    for (const r of rows) {
      const key = qualifiedKey(r.schema, r.name);
      inSchema.set(key, (inSchema.get(key) ?? true) && r.nonVolatile);
      everywhere.set(r.name, (everywhere.get(r.name) ?? true) && r.nonVolatile);
    }
    this.qualified = clearedNames(inSchema);
    this.bare = clearedNames(everywhere);
    this.loadedAt = now;
  }
}

function clearedNames(all: ReadonlyMap<string, boolean>): Set<string> {
  const names = new Set<string>();
  for (const [name, ok] of all) if (ok) names.add(name);
  return names;
}

/** NUL cannot occur in an identifier, so no pair of names shares a key. */
function qualifiedKey(schema: string, name: string): string {
  return `${schema}\u0000${name}`;
}
