/**
 * Read/write split for MySQL and MariaDB statements run outside a transaction (issue 6 item
 * 6): 'read' may go to a replica; 'write' and 'unsure' go to the primary. Read: SELECT, WITH …
 * SELECT, TABLE and VALUES without FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE, INTO (user
 * variables, OUTFILE), user variables at all (@x pins the session to its connection anyway),
 * sequence access (NEXT VALUE FOR, NEXTVAL(), …) or calls of functions that lock, write or
 * read per-session state (GET_LOCK, LAST_INSERT_ID, FOUND_ROWS, …); SHOW (but not SHOW
 * WARNINGS or ERRORS, which describe the session's last statement); DESCRIBE and EXPLAIN of
 * such a query; HELP. A call qualified by a schema (`db.fn(…)`) is a stored function that may
 * write: 'unsure'. Everything else (SET, USE, BEGIN, DML, DDL, CALL, DO, …) is a write. A
 * leading `/* sluice:primary *\/` or `/* sluice:replica *\/` decides alone. Every statement
 * of a multi-statement text counts.
 */
import { MysqlLexer } from './mysql-lexer.js';
import { type Classification, outcome } from './route-class.js';
import { Tok } from './sql-lexer.js';

const OVERRIDE_PRIMARY = outcome('write', 'override');
const OVERRIDE_REPLICA = outcome('read', 'override');
const SELECT = outcome('read', 'select');
const SHOW = outcome('read', 'show');
const DESCRIBE = outcome('read', 'describe');
const SESSION_SHOW = outcome('write', 'session-show');
const LOCKING = outcome('write', 'locking-clause');
const SELECT_INTO = outcome('write', 'select-into');
const USER_VARIABLE = outcome('write', 'user-variable');
const SEQUENCE = outcome('write', 'sequence');
const SESSION_FUNCTION = outcome('write', 'session-function');
const MODIFYING = outcome('write', 'data-modifying');
const STORED_FUNCTION = outcome('unsure', 'stored-function');
const OTHER = outcome('write', 'statement');
const EMPTY = outcome('write', 'empty');
const UNTERMINATED = outcome('unsure', 'unterminated');

/**
 * Built-ins that take locks, write, wait on replication or read the session's own state: on
 * a replica they would lock the wrong server or answer for a session that is not the client's.
 */
const SESSION_FUNCTIONS: ReadonlySet<string> = new Set([
  'get_lock', 'release_lock', 'release_all_locks', 'is_free_lock', 'is_used_lock',
  'nextval', 'lastval', 'setval',
  'last_insert_id', 'found_rows', 'row_count', 'connection_id',
  'master_pos_wait', 'source_pos_wait', 'master_gtid_wait', 'wait_for_executed_gtid_set', 'wait_until_sql_thread_after_gtids',
]);

export class MysqlReadWriteClassifier {
  private readonly lexer = new MysqlLexer();

  /** The COM_QUERY text at buf[start, end). */
  classify(buf: Buffer, start: number, end: number, noBackslashEscapes: boolean): Classification {
    const lx = this.lexer;
    lx.reset(buf, start, end, noBackslashEscapes);
    let t = lx.next();
    if (lx.hint !== null) return lx.hint === 'primary' ? OVERRIDE_PRIMARY : OVERRIDE_REPLICA;
    let worst: Classification | null = null;
    while (t !== Tok.End) {
      if (t === Tok.Semicolon) { t = lx.next(); continue; }
      const r = this.statement(t);
      if (r.route !== 'read') return r;
      worst ??= r;
      t = lx.next();
    }
    return worst ?? EMPTY;
  }

  /** Classify the statement whose first token is `t`; returns with the lexer on its ';' or at the end. */
  private statement(t: Tok): Classification {
    const lx = this.lexer;
    while (t === Tok.LParen) t = lx.next();
    if (t === Tok.Unterminated) return UNTERMINATED;
    if (t !== Tok.Word) return this.rest(OTHER);
    if (lx.is('select') || lx.is('with') || lx.is('table') || lx.is('values')) return this.query(SELECT);
    if (lx.is('show')) return this.show();
    if (lx.is('describe') || lx.is('desc') || lx.is('explain')) return this.query(DESCRIBE);
    if (lx.is('help')) return this.rest(SHOW);
    return this.rest(OTHER);
  }

  /** SHOW WARNINGS / ERRORS / COUNT(*) WARNINGS report the session's last statement. */
  private show(): Classification {
    const lx = this.lexer;
    for (let t = lx.next(); t !== Tok.Semicolon && t !== Tok.End; t = lx.next()) {
      if (t === Tok.Unterminated) return UNTERMINATED;
      if (t === Tok.Word && (lx.is('warnings') || lx.is('errors'))) return this.rest(SESSION_SHOW);
    }
    return SHOW;
  }

  /** A query (or EXPLAIN of one) from just after its first word to its end. */
  private query(result: Classification): Classification {
    const lx = this.lexer;
    // The last word, when it was the token just before: it names a call if '(' follows.
    let wordStart = -1;
    let wordEnd = -1;
    let qualified = false;
    let afterDot = false;
    // The words before: FOR (UPDATE/SHARE), LOCK IN SHARE MODE, NEXT/PREVIOUS VALUE FOR.
    let afterFor = false;
    let afterLock = false;
    let afterNext = false;
    let afterValue = false;
    // INSERT, UPDATE, DELETE or REPLACE (in WITH … or EXPLAIN …) unless a call follows: INSERT() and REPLACE() are string functions.
    let modifying = false;
    for (;;) {
      const t = lx.next();
      if (modifying && t !== Tok.LParen) return t === Tok.Semicolon || t === Tok.End ? MODIFYING : this.rest(MODIFYING);
      modifying = false;
      if (t === Tok.LParen && wordStart >= 0) {
        if (qualified) return this.rest(STORED_FUNCTION);
        if (SESSION_FUNCTIONS.has(lx.lowered(wordStart, wordEnd))) return this.rest(SESSION_FUNCTION);
      }
      wordStart = -1;
      switch (t) {
        case Tok.End: case Tok.Semicolon: return result;
        case Tok.Unterminated: return UNTERMINATED;
        case Tok.Param: return this.rest(USER_VARIABLE);
        case Tok.Word:
          if (afterFor && (lx.is('update') || lx.is('share'))) return this.rest(LOCKING);
          if (afterLock && lx.is('in')) return this.rest(LOCKING);
          if (afterValue && lx.is('for')) return this.rest(SEQUENCE);
          if (lx.is('into')) return this.rest(SELECT_INTO);
          modifying = lx.is('insert') || lx.is('update') || lx.is('delete') || lx.is('replace');
          afterFor = lx.is('for');
          afterLock = lx.is('lock');
          afterValue = afterNext && lx.is('value');
          afterNext = lx.is('next') || lx.is('previous');
          wordStart = lx.start;
          wordEnd = lx.end;
          qualified = afterDot;
          break;
        default:
          afterFor = afterLock = afterNext = afterValue = false;
      }
      afterDot = t === Tok.Dot;
    }
  }

  /** Skip to the statement's end and answer `r`. */
  private rest(r: Classification): Classification {
    const lx = this.lexer;
    for (let t = lx.next(); t !== Tok.Semicolon && t !== Tok.End; t = lx.next()) if (t === Tok.Unterminated) return UNTERMINATED;
    return r;
  }
}
