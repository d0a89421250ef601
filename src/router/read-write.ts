/**
 * Read/write split for PostgreSQL transaction starts, by lexical rules (issue 4 item 4).
 * 'read' may go to a replica; 'write' and 'unsure' go to the primary. Read: SELECT, VALUES,
 * TABLE and WITH … SELECT without locking clauses (FOR UPDATE/SHARE/NO KEY UPDATE/KEY SHARE),
 * SELECT INTO, data-modifying CTEs or calls outside the read-only list; SHOW; and anything
 * inside BEGIN/START TRANSACTION READ ONLY. A plain BEGIN not ended in the same text leaves
 * the transaction open to later writes, so it is a write. A leading comment
 * `/* sluice:primary *\/` or `/* sluice:replica *\/` decides alone. Every statement of a
 * multi-statement text counts: the whole text is as write-ish as its worst statement.
 */
import { NOT_CALLS, READ_ONLY_FUNCTIONS, writingFunction } from './read-only-functions.js';
import { SqlLexer, Tok } from './sql-lexer.js';

export type RouteClass = 'read' | 'write' | 'unsure';

export interface Classification {
  readonly route: RouteClass;
  /** A stable label for logs and metrics, such as 'select', 'locking-clause', 'unknown-function'. */
  readonly reason: string;
}

export interface ClassifierOptions {
  /** Further functions known to be read-only: lower case, or exactly as created when quoted. */
  readOnlyFunctions?: Iterable<string>;
  /** Calls of functions in neither list: 'unsure' (the default, to the primary) or 'read'. */
  unknownFunctions?: 'unsure' | 'read';
}

const results = new Map<string, Classification>();
/** One frozen object per outcome, so classify() allocates nothing for its answer. */
function outcome(route: RouteClass, reason: string): Classification {
  const key = `${route}:${reason}`;
  let r = results.get(key);
  if (r === undefined) {
    r = Object.freeze({ route, reason });
    results.set(key, r);
  }
  return r;
}

const OVERRIDE_PRIMARY = outcome('write', 'override');
const OVERRIDE_REPLICA = outcome('read', 'override');
const SELECT = outcome('read', 'select');
const SHOW = outcome('read', 'show');
const READ_ONLY_TXN = outcome('read', 'begin-read-only');
const TXN_CONTROL = outcome('read', 'transaction-control');
const LOCKING = outcome('write', 'locking-clause');
const SELECT_INTO = outcome('write', 'select-into');
const MODIFYING = outcome('write', 'data-modifying');
const OPEN_TXN = outcome('write', 'open-transaction');
const READ_WRITE_TXN = outcome('write', 'begin-read-write');
const OTHER = outcome('write', 'statement');
const EMPTY = outcome('write', 'empty');
const UNKNOWN_FUNCTION = outcome('unsure', 'unknown-function');
const UNTERMINATED = outcome('unsure', 'unterminated');
const WRITING_CALLS = new Map(['sequence-function', 'set-config', 'writing-function', 'large-object', 'advisory-lock'].map((r) => [r, outcome('write', r)]));

const RANK: Record<RouteClass, number> = { read: 0, unsure: 1, write: 2 };

/** How a statement changes the transaction the text is in. */
type TxnEffect = 'none' | 'begin' | 'begin-read-only' | 'end';

export class ReadWriteClassifier {
  private readonly lexer = new SqlLexer();
  private readonly readOnly: ReadonlySet<string>;
  private readonly unknownIsRead: boolean;
  /** Set by statement() for the statement just classified. */
  private effect: TxnEffect = 'none';

  constructor(options: ClassifierOptions = {}) {
    this.readOnly = options.readOnlyFunctions === undefined ? READ_ONLY_FUNCTIONS : new Set([...READ_ONLY_FUNCTIONS, ...options.readOnlyFunctions]);
    this.unknownIsRead = options.unknownFunctions === 'read';
  }

  classify(sql: string): Classification {
    const lx = this.lexer;
    lx.reset(sql);
    let t = lx.next();
    if (lx.hint !== null) return lx.hint === 'primary' ? OVERRIDE_PRIMARY : OVERRIDE_REPLICA;
    let worst: Classification | null = null;
    let open = false;
    let readOnlyTxn = false;
    while (t !== Tok.End) {
      if (t === Tok.Semicolon) { t = lx.next(); continue; }
      if (t === Tok.Unterminated) return UNTERMINATED;
      const r = this.statement(t);
      if (r === UNTERMINATED) return r;
      const skipped = readOnlyTxn && this.effect !== 'end';
      if (this.effect === 'end') open = readOnlyTxn = false;
      else if (this.effect === 'begin-read-only' && !readOnlyTxn) readOnlyTxn = true;
      else if (this.effect === 'begin') open = true;
      // Inside BEGIN READ ONLY the server itself refuses writes, on every host: nothing more to judge.
      if (!skipped) {
        if (r.route === 'write') return r;
        // A substantive statement names the outcome better than the BEGIN or COMMIT around it.
        if (worst === null || RANK[r.route] > RANK[worst.route] || (r.route === worst.route && worst === TXN_CONTROL)) worst = r;
      }
      t = lx.next();
    }
    if (open && !readOnlyTxn) return OPEN_TXN;
    return worst ?? EMPTY;
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
    for (;;) {
      const t = lx.next();
      const nameBefore = t === Tok.LParen && (callStart >= 0 || quotedCall !== null);
      if (nameBefore) {
        const name = quotedCall ?? lx.lowered(callStart, callEnd);
        const r = quotedCall === null && NOT_CALLS.has(name) ? null : this.call(name);
        if (r !== null && r.route === 'write') return this.rest(r);
        if (r !== null) result = r;
      }
      const wasCast = afterCast;
      const wasAs = afterAs;
      const wasFor = afterFor;
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
  private call(name: string): Classification | null {
    const writing = writingFunction(name);
    if (writing !== null) return WRITING_CALLS.get(writing) ?? OTHER;
    if (this.readOnly.has(name) || this.unknownIsRead) return null;
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
