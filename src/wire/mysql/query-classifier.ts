/**
 * A cheap lexical look at COM_QUERY text for what the multiplexer must notice: statements
 * that tie the session to its server connection (locks, user variables, temporary tables,
 * SQL_CALC_FOUND_ROWS, text-protocol prepared statements), the session state it must replay
 * elsewhere (SET, USE), and explicit transaction starts.
 *
 * One pass over the bytes, no parse tree and no allocation unless details are asked for:
 * comments and quoted strings or identifiers are skipped, and so never mistaken for SQL,
 * except executable comments (/*! ... *\/, MariaDB's /*M! ... *\/), whose content the server
 * runs and which are read as code. Every statement of a multi-statement query counts. When in
 * doubt it reports a flag: a false pin costs a connection, a missed one corrupts a session.
 */

export const QUERY_LOCK_TABLES = 1; // LOCK TABLE(S), LOCK INSTANCE, FLUSH ... WITH READ LOCK
export const QUERY_UNLOCK_TABLES = 1 << 1; // UNLOCK TABLE(S) / INSTANCE
export const QUERY_GET_LOCK = 1 << 2; // GET_LOCK(
export const QUERY_USER_VARIABLE = 1 << 3; // @x, not @@x nor 'user'@'host'
export const QUERY_CREATE_TEMPORARY = 1 << 4; // CREATE [OR REPLACE] TEMPORARY TABLE
export const QUERY_CALC_FOUND_ROWS = 1 << 5;
export const QUERY_TEXT_PREPARE = 1 << 6; // PREPARE, EXECUTE, DEALLOCATE / DROP PREPARE
export const QUERY_SET = 1 << 7; // SET of session state (names in QueryDetails.setVariables)
export const QUERY_USE = 1 << 8; // USE db
export const QUERY_BEGIN = 1 << 9; // START TRANSACTION, BEGIN [WORK]

/** Filled when passed: what the SET and USE statements name. */
export interface QueryDetails {
  /**
   * Session variables set, lowercased, without scope ('sql_mode', 'time_zone', 'autocommit',
   * 'names', 'character set', 'transaction' (SET SESSION TRANSACTION), 'next transaction'
   * (SET TRANSACTION, for the next one only), 'role', 'character_set_client', ...).
   * GLOBAL and PERSIST assignments are left out: they do not belong to the session.
   */
  setVariables: string[];
  /** The schema of the last USE, unquoted. */
  schema: string | null;
}

// What the statement's first word made it.
const S_OTHER = 0;
const S_LOCK = 1;
const S_UNLOCK = 2;
const S_CREATE = 3;
const S_DROP = 4;
const S_SET = 5;
const S_USE = 6;
const S_START = 7;
const S_BEGIN = 8;
const S_FLUSH = 9;

const BACKSLASH = 0x5c;

/** The classifier's state between bytes; one shared instance, since a call never yields. */
class Classifier {
  private buf: Uint8Array = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  private details: QueryDetails | undefined;
  private flags = 0;
  private kind = S_OTHER;
  private words = 0; // words seen in this statement
  private depth = 0; // parenthesis depth, for SET's top-level commas
  private expectName = false; // SET: the next token names a variable
  private globalScope = false; // SET: the scope modifier in force is GLOBAL / PERSIST
  private pendingCharacter = false; // SET CHARACTER ... (SET)
  private pendingGetLock = false; // GET_LOCK seen, '(' decides

  run(buf: Uint8Array, start: number, end: number, escapes: boolean, details: QueryDetails | undefined): number {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.details = details;
    this.flags = 0;
    this.endStatement();
    let inExecutable = false; // inside /*! ... */
    let p = start;
    while (p < end) {
      const c = buf[p]!;
      if (c <= 0x20) { p++; continue; }
      if (c === 0x27 || c === 0x22 || c === 0x60) { // ' " `
        p = this.onQuoted(p, c, escapes && c !== 0x60);
        continue;
      }
      if (c === 0x23 || (c === 0x2d && buf[p + 1] === 0x2d && (p + 2 >= end || buf[p + 2]! <= 0x20))) { // # or "-- "
        while (p < end && buf[p] !== 0x0a) p++;
        continue;
      }
      if (c === 0x2f && buf[p + 1] === 0x2a) { // /*
        const bang = buf[p + 2] === 0x21 ? p + 3 : buf[p + 2] === 0x4d && buf[p + 3] === 0x21 ? p + 4 : -1;
        if (bang < 0) {
          p = skipComment(buf, p + 2, end);
          continue;
        }
        p = bang;
        while (p < end && buf[p]! >= 0x30 && buf[p]! <= 0x39) p++; // the server version the content needs
        inExecutable = true;
        continue;
      }
      if (c === 0x2a && inExecutable && buf[p + 1] === 0x2f) {
        inExecutable = false;
        p += 2;
        continue;
      }
      if (isWordByte(c)) {
        const ws = p;
        while (p < end && isWordByte(buf[p]!)) p++;
        this.onWord(ws, p);
        continue;
      }
      if (c === 0x40) { // @
        p = this.onAt(p);
        continue;
      }
      this.onPunctuation(c);
      p++;
    }
    this.endStatement();
    this.buf = EMPTY;
    this.details = undefined;
    return this.flags;
  }

  private endStatement(): void {
    if (this.kind === S_BEGIN) this.flags |= QUERY_BEGIN;
    this.kind = S_OTHER;
    this.words = 0;
    this.depth = 0;
    this.expectName = false;
    this.globalScope = false;
    this.pendingCharacter = false;
    this.pendingGetLock = false;
  }

  private setName(name: string): void {
    this.expectName = false;
    if (!this.globalScope) this.details?.setVariables.push(name);
  }

  private onPunctuation(c: number): void {
    if (c === 0x3b) { // ;
      this.endStatement();
      return;
    }
    if (c === 0x28) {
      if (this.pendingGetLock) this.flags |= QUERY_GET_LOCK;
      this.depth++;
    } else if (c === 0x29) {
      if (this.depth > 0) this.depth--;
    } else if (c === 0x2c && this.kind === S_SET && this.depth === 0) {
      this.expectName = true;
    }
    this.pendingGetLock = false;
  }

  private onQuoted(p: number, quote: number, escapes: boolean): number {
    const after = skipQuoted(this.buf, p, this.end, quote, escapes);
    if (quote === 0x60) {
      if (this.kind === S_USE && this.words === 1 && this.details) this.details.schema = unquote(this.buf, p, after);
      if (this.kind === S_SET && this.expectName) this.setName(unquote(this.buf, p, after).toLowerCase());
    }
    this.expectName = false;
    this.words++;
    this.pendingGetLock = false;
    return after;
  }

  private onWord(ws: number, we: number): void {
    const buf = this.buf;
    this.pendingGetLock = false;
    const w = this.words++;
    if (matches(buf, ws, we, 'SQL_CALC_FOUND_ROWS')) this.flags |= QUERY_CALC_FOUND_ROWS;
    else if (matches(buf, ws, we, 'GET_LOCK')) this.pendingGetLock = true;
    if (w === 0) {
      this.kind = firstWordKind(buf, ws, we);
      if (this.kind === S_SET) {
        this.flags |= QUERY_SET;
        this.expectName = true;
      } else if (this.kind === S_USE) {
        this.flags |= QUERY_USE;
      } else if (matches(buf, ws, we, 'PREPARE') || matches(buf, ws, we, 'EXECUTE') || matches(buf, ws, we, 'DEALLOCATE')) {
        this.flags |= QUERY_TEXT_PREPARE;
      }
      return;
    }
    switch (this.kind) {
      case S_LOCK:
        if (w === 1 && isLockTarget(buf, ws, we)) this.flags |= QUERY_LOCK_TABLES;
        return;
      case S_UNLOCK:
        if (w === 1 && isLockTarget(buf, ws, we)) this.flags |= QUERY_UNLOCK_TABLES;
        return;
      case S_FLUSH:
        if (matches(buf, ws, we, 'LOCK')) this.flags |= QUERY_LOCK_TABLES;
        return;
      case S_CREATE:
        if (w <= 3 && matches(buf, ws, we, 'TEMPORARY')) this.flags |= QUERY_CREATE_TEMPORARY;
        return;
      case S_DROP:
        if (w === 1 && matches(buf, ws, we, 'PREPARE')) this.flags |= QUERY_TEXT_PREPARE;
        return;
      case S_START:
        if (w === 1 && matches(buf, ws, we, 'TRANSACTION')) this.flags |= QUERY_BEGIN;
        return;
      case S_BEGIN:
        // MariaDB's BEGIN NOT ATOMIC opens a compound statement, not a transaction.
        if (w === 1 && matches(buf, ws, we, 'NOT')) this.kind = S_OTHER;
        return;
      case S_USE:
        if (w === 1 && this.details) this.details.schema = text(buf, ws, we);
        return;
      case S_SET:
        this.onSetWord(ws, we, w);
    }
  }

  private onSetWord(ws: number, we: number, w: number): void {
    const buf = this.buf;
    if (this.pendingCharacter) {
      this.pendingCharacter = false;
      if (matches(buf, ws, we, 'SET')) this.setName('character set');
      return;
    }
    if (!this.expectName) return;
    if (matches(buf, ws, we, 'GLOBAL') || matches(buf, ws, we, 'PERSIST') || matches(buf, ws, we, 'PERSIST_ONLY')) this.globalScope = true;
    else if (matches(buf, ws, we, 'SESSION') || matches(buf, ws, we, 'LOCAL')) this.globalScope = false;
    else if (matches(buf, ws, we, 'CHARACTER')) this.pendingCharacter = true;
    else if (matches(buf, ws, we, 'CHARSET')) this.setName('character set');
    else if (matches(buf, ws, we, 'TRANSACTION')) this.setName(w === 1 ? 'next transaction' : 'transaction');
    // SET STATEMENT ... FOR (MariaDB) lasts one statement; PASSWORD and DEFAULT ROLE change the account.
    else if (matches(buf, ws, we, 'STATEMENT') || matches(buf, ws, we, 'PASSWORD') || matches(buf, ws, we, 'DEFAULT')) this.kind = S_OTHER;
    else this.setName(text(buf, ws, we).toLowerCase());
  }

  /** An '@' at p: a system variable (@@[scope.]name), a user variable, or the host of 'user'@'host'. */
  private onAt(at: number): number {
    const buf = this.buf;
    const end = this.end;
    this.pendingGetLock = false;
    this.words++;
    if (buf[at + 1] === 0x40) {
      let q = at + 2;
      let ns = q;
      while (q < end && isWordByte(buf[q]!)) q++;
      let global = this.globalScope;
      if (q < end && buf[q] === 0x2e) { // @@scope.name
        global = matches(buf, ns, q, 'GLOBAL') || matches(buf, ns, q, 'PERSIST') || matches(buf, ns, q, 'PERSIST_ONLY');
        ns = ++q;
        while (q < end && isWordByte(buf[q]!)) q++;
      }
      if (this.kind === S_SET && this.expectName) {
        this.expectName = false;
        if (!global) this.details?.setVariables.push(text(buf, ns, q).toLowerCase());
      }
      return q;
    }
    this.expectName = false;
    const prev = at > this.start ? buf[at - 1]! : 0x20;
    // 'user'@'host': an account name, not a variable. Unquoted user@host is flagged: a false pin is safe.
    if (prev !== 0x27 && prev !== 0x22 && prev !== 0x60) this.flags |= QUERY_USER_VARIABLE;
    return at + 1;
  }
}

const EMPTY = new Uint8Array(0);
const classifier = new Classifier();

/**
 * Classify buf[start, end), the COM_QUERY payload after its command byte; returns QUERY_*
 * flags. `noBackslashEscapes` follows the session's SERVER_STATUS_NO_BACKSLASH_ESCAPES;
 * `details`, when given, receives the names SET and USE statements carry.
 */
export function classifyQuery(buf: Uint8Array, start = 0, end = buf.length, noBackslashEscapes = false, details?: QueryDetails): number {
  return classifier.run(buf, start, end, !noBackslashEscapes, details);
}

function isLockTarget(buf: Uint8Array, s: number, e: number): boolean {
  return matches(buf, s, e, 'TABLES') || matches(buf, s, e, 'TABLE') || matches(buf, s, e, 'INSTANCE');
}

function firstWordKind(buf: Uint8Array, s: number, e: number): number {
  switch (e - s) {
    case 3: return matches(buf, s, e, 'SET') ? S_SET : matches(buf, s, e, 'USE') ? S_USE : S_OTHER;
    case 4: return matches(buf, s, e, 'LOCK') ? S_LOCK : matches(buf, s, e, 'DROP') ? S_DROP : S_OTHER;
    case 5: return matches(buf, s, e, 'START') ? S_START : matches(buf, s, e, 'BEGIN') ? S_BEGIN : matches(buf, s, e, 'FLUSH') ? S_FLUSH : S_OTHER;
    case 6: return matches(buf, s, e, 'UNLOCK') ? S_UNLOCK : matches(buf, s, e, 'CREATE') ? S_CREATE : S_OTHER;
    default: return S_OTHER;
  }
}

/** Letters, digits, '_', '$' and every byte of a multi-byte UTF-8 character. */
function isWordByte(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x24 || c >= 0x80;
}

/** buf[s, e) is `keyword` (upper-case ASCII letters and '_'), whatever the letter case. */
function matches(buf: Uint8Array, s: number, e: number, keyword: string): boolean {
  if (e - s !== keyword.length) return false;
  for (let i = 0; i < keyword.length; i++) {
    const c = buf[s + i]!;
    if ((c >= 0x61 && c <= 0x7a ? c - 0x20 : c) !== keyword.charCodeAt(i)) return false;
  }
  return true;
}

/** Past the quoted run opening at p with `quote`; doubled quotes (and escapes, if on) stay inside. Unterminated runs to the end. */
function skipQuoted(buf: Uint8Array, p: number, end: number, quote: number, escapes: boolean): number {
  p++;
  while (p < end) {
    const c = buf[p]!;
    if (c === BACKSLASH && escapes) { p += 2; continue; }
    if (c === quote) {
      if (buf[p + 1] === quote && p + 1 < end) { p += 2; continue; }
      return p + 1;
    }
    p++;
  }
  return end;
}

/** Past the '*' '/' that closes a comment whose content starts at p; unterminated runs to the end. */
function skipComment(buf: Uint8Array, p: number, end: number): number {
  while (p + 1 < end) {
    if (buf[p] === 0x2a && buf[p + 1] === 0x2f) return p + 2;
    p++;
  }
  return end;
}

function text(buf: Uint8Array, s: number, e: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('utf8');
}

/** A `quoted` identifier's name, doubled backticks undone. */
function unquote(buf: Uint8Array, s: number, e: number): string {
  const closed = e - s >= 2 && buf[e - 1] === 0x60;
  return text(buf, s + 1, closed ? e - 1 : e).replaceAll('``', '`');
}
