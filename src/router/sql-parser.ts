/**
 * PostgreSQL's own parser (libpg-query, compiled to WASM) for the texts the lexical classifier
 * cannot settle. Chosen over pgsql-ast-parser by bench/route-classify.ts: 13-100 µs against
 * 0.4-6 ms per unsure query, and it is the server's grammar, so it never disagrees with the
 * server about what a text says. The module loads once per process, in the background: until
 * it has, callers keep the lexical answer, so no query waits for it.
 */
import { loadModule, parseSync, type RawStmt } from 'libpg-query';

/**
 * Longer texts are not parsed (they stay unsure, so go to the primary): parsing costs about
 * half a microsecond per character on the event loop, and a bulk statement of megabytes
 * would stall every other client for as long.
 */
export const MAX_PARSED_CHARS = 8192;

let state: 'idle' | 'loading' | 'ready' | 'failed' = 'idle';
let loading: Promise<boolean> | null = null;

/** Load the WASM module; resolves true once it can parse, false if it failed to load. Never rejects. */
export function loadSqlParser(): Promise<boolean> {
  if (loading === null) {
    state = 'loading';
    loading = loadModule().then(
      () => { state = 'ready'; return true; },
      () => { state = 'failed'; return false; },
    );
  }
  return loading;
}

export function sqlParserReady(): boolean { return state === 'ready'; }

/**
 * The statements of `sql` as PostgreSQL parses them; null when the parser is not loaded yet
 * (loading starts here), the text is too long, or it does not parse.
 */
export function parseStatements(sql: string): RawStmt[] | null {
  if (state !== 'ready') {
    if (state === 'idle') void loadSqlParser();
    return null;
  }
  if (sql.length > MAX_PARSED_CHARS) return null;
  try {
    return parseSync(sql).stmts ?? [];
  } catch {
    // A syntax error, or the parser's own limits (memory exhausted on deep nesting): the server will say.
    return null;
  }
}
