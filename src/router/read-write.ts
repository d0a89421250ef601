/**
 * Read/write split for PostgreSQL transaction starts (issue 4 item 4), lexical on the common
 * path. 'read' may go to a replica; 'write' and 'unsure' go to the primary. Read: SELECT,
 * VALUES, TABLE and WITH … SELECT without locking clauses (FOR UPDATE/SHARE/NO KEY UPDATE/KEY
 * SHARE), SELECT INTO, data-modifying CTEs or calls outside the read-only list; SHOW; and
 * anything inside BEGIN/START TRANSACTION READ ONLY. A plain BEGIN not ended in the same text
 * leaves the transaction open to later writes, so it is a write. A leading comment
 * `/* sluice:primary *\/` or `/* sluice:replica *\/` decides alone. Every statement of a
 * multi-statement text counts: the whole text is as write-ish as its worst statement.
 * When the lexer is unsure (a call it does not know, text it cannot end), PostgreSQL's own
 * parser decides from the parse tree (tree-route.ts), clearing calls of functions the
 * database declares STABLE or IMMUTABLE; until the parser has loaded, unsure stays unsure.
 */
import type { FunctionVolatility } from './function-volatility.js';
import { NOT_CALLS, READ_ONLY_FUNCTIONS, writingFunction } from './read-only-functions.js';
import { type Classification, outcome, TextVerdict, TXN_CONTROL, type TxnEffect } from './route-class.js';
import { SqlLexer, Tok } from './sql-lexer.js';
import { parseStatements } from './sql-parser.js';
import { TreeRouter } from './tree-route.js';

export type { Classification, RouteClass } from './route-class.js';
// The MySQL classifier shares the frozen outcomes.
export { outcome } from './route-class.js';

export interface ClassifierOptions {
  /** Further functions known to be read-only: lower case, or exactly as created when quoted. */
  readOnlyFunctions?: Iterable<string>;
  /** Calls of functions in neither list: 'unsure' (the default, to the primary) or 'read'. */
  unknownFunctions?: 'unsure' | 'read';
  /** The database's STABLE and IMMUTABLE functions, consulted on the parse tree. */
  volatility?: FunctionVolatility;
  /** Let the parser decide what the lexer is unsure of (the default); false keeps the lexical answer. */
  parseUnsure?: boolean;
}

const OVERRIDE_PRIMARY = outcome('write', 'override');
const OVERRIDE_REPLICA = outcome('read', 'override');
const SELECT = outcome('read', 'select');
const SHOW = outcome('read', 'show');
const READ_ONLY_TXN = outcome('read', 'begin-read-only');
const LOCKING = outcome('write', 'locking-clause');
const SELECT_INTO = outcome('write', 'select-into');
const MODIFYING = outcome('write', 'data-modifying');
const READ_WRITE_TXN = outcome('write', 'begin-read-write');
const OTHER = outcome('write', 'statement');
const UNKNOWN_FUNCTION = outcome('unsure', 'unknown-function');
const UNTERMINATED = outcome('unsure', 'unterminated');
const WRITING_CALLS = new Map(['sequence-function', 'set-config', 'writing-function', 'large-object', 'advisory-lock'].map((r) => [r, outcome('write', r)]));

export class ReadWriteClassifier {
  private readonly lexer = new SqlLexer();
  private readonly verdict = new TextVerdict();
  private readonly tree: TreeRouter;
  private readonly readOnly: ReadonlySet<string>;
  private readonly unknownIsRead: boolean;
  private readonly volatility: FunctionVolatility | null;
  private readonly parseUnsure: boolean;
  /** Set by statement() for the statement just classified. */
  private effect: TxnEffect = 'none';

  constructor(options: ClassifierOptions = {}) {
    this.readOnly = options.readOnlyFunctions === undefined ? READ_ONLY_FUNCTIONS : new Set([...READ_ONLY_FUNCTIONS, ...options.readOnlyFunctions]);
    this.unknownIsRead = options.unknownFunctions === 'read';
    this.volatility = options.volatility ?? null;
    this.parseUnsure = options.parseUnsure !== false;
    this.tree = new TreeRouter((schema, name) => this.treeCall(schema, name));
  }

  classify(sql: string): Classification {
    const r = this.lexical(sql);
    if (r.route !== 'unsure' || !this.parseUnsure) return r;
    const stmts = parseStatements(sql);
    return stmts === null ? r : this.tree.classify(stmts);
  }

  /** The common path: tokens only, no parse tree. */
  private lexical(sql: string): Classification {
    const lx = this.lexer;
    lx.reset(sql);
    let t = lx.next();
    if (lx.hint !== null) return lx.hint === 'primary' ? OVERRIDE_PRIMARY : OVERRIDE_REPLICA;
    const verdict = this.verdict;
    verdict.reset();
    while (t !== Tok.End) {
      if (t === Tok.Semicolon) { t = lx.next(); continue; }
      if (t === Tok.Unterminated) return UNTERMINATED;
      const r = this.statement(t);
      if (r === UNTERMINATED) return r;
      if (verdict.add(r, this.effect)) return r;
      t = lx.next();
    }
    return verdict.result();
  }

  /** Classify the statement whose first token is `t`; returns with the lexer on its ';' or at the end. */
  private statement(t: Tok): Classification {
    const lx = this.lexer;
    this.effect = 'none';
    let depth = 0;
    while (t === Tok.LParen) { depth++; t = lx.next(); }
    if (t !== Tok.Word) return this.rest(OTHER);
    const w = lx.word();
    switch (w) {
      case 'select': case 'values': case 'table': return this.query(depth, false);
      case 'with': return this.query(depth, true);
      case 'show': return this.rest(SHOW);
      case 'begin': case 'start': return this.begin(w === 'start');
      case 'commit': case 'end': case 'rollback': case 'abort': return this.end();
      default: return this.rest(OTHER);
    }
  }

  /** BEGIN [WORK | TRANSACTION] [modes] or START TRANSACTION [modes]. */
  private begin(start: boolean): Classification {
    const lx = this.lexer;
    let t = lx.next();
    if (start && !(t === Tok.Word && lx.word() === 'transaction')) return this.rest(OTHER);
    let afterRead = false;
    let readOnly = false;
    for (; t !== Tok.Semicolon && t !== Tok.End; t = lx.next()) {
      if (t === Tok.Unterminated) return UNTERMINATED;
      const w = t === Tok.Word ? lx.word() : '';
      if (afterRead && w === 'only') readOnly = true;
      else if (afterRead && w === 'write') return this.rest(READ_WRITE_TXN);
      afterRead = w === 'read';
    }
    this.effect = readOnly ? 'begin-read-only' : 'begin';
    return readOnly ? READ_ONLY_TXN : TXN_CONTROL;
  }

  /** COMMIT, END, ROLLBACK, ABORT; but not ROLLBACK TO (a savepoint), … AND CHAIN or COMMIT PREPARED. */
  private end(): Classification {
    const lx = this.lexer;
    let ends = true;
    let prevWord = '';
    for (let t = lx.next(); t !== Tok.Semicolon && t !== Tok.End; t = lx.next()) {
      if (t === Tok.Unterminated) return UNTERMINATED;
      if (t !== Tok.Word) continue;
      const w = lx.word();
      if (w === 'to' || w === 'prepared') return this.rest(OTHER);
      // AND CHAIN starts the next transaction at once, with the same characteristics; AND NO CHAIN does not.
      if (w === 'chain' && prevWord !== 'no') ends = false;
      prevWord = w;
    }
    this.effect = ends ? 'end' : 'none';
    return TXN_CONTROL;
  }

  /** SELECT, VALUES, TABLE or WITH, from just after its first word to its end. */
  private query(base: number, isWith: boolean): Classification {
    const lx = this.lexer;
    let result = SELECT;
    let depth = base;
    // Inside WITH's list of CTEs, `name(col, …)` at the top level is a column list, not a call.
    let cteList = isWith;
    let afterCast = false;
    let afterAs = false;
    let afterFor = false;
    // The word before a '(' may name a call; it is sliced only when the '(' comes.
    let callStart = -1;
    let callEnd = -1;
    let quotedCall: string | null = null;
    // schema.fn( outside pg_catalog is a user's function, whatever its name: the built-in lists do not hold for it.
    let afterDot = false;
    let dotAfterCatalog = false;
    let lastWordCatalog = false;
    let userSchema = false;
    for (;;) {
      const t = lx.next();
      const nameBefore = t === Tok.LParen && (callStart >= 0 || quotedCall !== null);
      if (nameBefore) {
        const name = quotedCall ?? lx.lowered(callStart, callEnd);
        const r = quotedCall === null && NOT_CALLS.has(name) ? null : this.call(name, userSchema);
        if (r !== null && r.route === 'write') return this.rest(r);
        if (r !== null) result = r;
      }
      const wasCast = afterCast;
      const wasAs = afterAs;
      const wasFor = afterFor;
      userSchema = afterDot && !dotAfterCatalog && (t === Tok.Word || t === Tok.QuotedIdent);
      afterDot = t === Tok.Dot;
      if (afterDot) dotAfterCatalog = lastWordCatalog;
      // is() compares letters only, and pg_catalog has an underscore; the slice is made only for ten-letter words.
      lastWordCatalog = t === Tok.Word && lx.end - lx.start === 10 && lx.word() === 'pg_catalog';
      afterCast = t === Tok.Cast;
      afterAs = afterFor = false;
      callStart = -1;
      quotedCall = null;
      switch (t) {
        case Tok.End: case Tok.Semicolon: return result;
        case Tok.Unterminated: return UNTERMINATED;
        case Tok.LParen: depth++; break;
        case Tok.RParen: depth--; break;
        case Tok.Word:
          if (wasFor && (lx.is('update') || lx.is('share') || lx.is('no') || lx.is('key'))) return this.rest(LOCKING);
          if (lx.is('into')) return this.rest(SELECT_INTO);
          if (lx.is('insert') || lx.is('update') || lx.is('delete') || lx.is('merge')) return this.rest(MODIFYING);
          if (cteList && depth === base && (lx.is('select') || lx.is('values') || lx.is('table'))) cteList = false;
          // After :: comes a type and after AS an alias or a type: numeric(10,2) and t(a, b) are not calls.
          if (!wasCast && !wasAs && !(cteList && depth === base)) { callStart = lx.start; callEnd = lx.end; }
          afterFor = lx.is('for');
          afterAs = lx.is('as');
          break;
        case Tok.QuotedIdent:
          if (!wasCast && !wasAs && !(cteList && depth === base)) quotedCall = lx.quotedName();
          break;
      }
    }
  }

  /** A call of `name`: a write, unsure, or null when it is known read-only. */
  private call(name: string, userSchema: boolean): Classification | null {
    const writing = writingFunction(name);
    if (writing !== null) return WRITING_CALLS.get(writing) ?? OTHER;
    if ((!userSchema && this.readOnly.has(name)) || this.unknownIsRead) return null;
    return UNKNOWN_FUNCTION;
  }

  /**
   * A call in the parse tree. The built-in lists hold for unqualified and pg_catalog names;
   * the database's volatility (when loaded) clears the rest, qualified or not.
   */
  private treeCall(schema: string | null, name: string): Classification | null {
    const writing = writingFunction(name);
    if (writing !== null) return WRITING_CALLS.get(writing) ?? OTHER;
    if ((schema === null || schema === 'pg_catalog') && this.readOnly.has(name)) return null;
    if (this.volatility?.nonVolatile(schema, name) === true || this.unknownIsRead) return null;
    return UNKNOWN_FUNCTION;
  }

  /** Skip to the end of the statement, returning `r` unless the text breaks off unterminated. */
  private rest(r: Classification): Classification {
    const lx = this.lexer;
    for (let t = lx.next(); t !== Tok.Semicolon && t !== Tok.End; t = lx.next()) {
      if (t === Tok.Unterminated) return UNTERMINATED;
    }
    return r;
  }
}
