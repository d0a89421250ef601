/**
 * Just enough of MySQL's and MariaDB's lexer for routing, over the COM_QUERY bytes (no string
 * is made per token): words, '…' and "…" strings (backslash escapes unless the session runs
 * with NO_BACKSLASH_ESCAPES; doubled quotes), `…` identifiers, user variables (@x, @'x'),
 * `#`, `-- ` and /* *\/ comments (not nested, as in MySQL). Executable comments /*! … *\/ and
 * MariaDB's /*M! … *\/ are read as code, since the server runs them. A comment before the
 * first token may carry a routing hint, as in the PostgreSQL lexer (sql-lexer.ts), whose
 * token kinds this shares. Reuses one instance.
 */
import { type RouteHint, Tok } from './sql-lexer.js';

const BACKSLASH = 0x5c, QUOTE = 0x27, DQUOTE = 0x22, BACKTICK = 0x60, HASH = 0x23, MINUS = 0x2d, SLASH = 0x2f, STAR = 0x2a;
const BANG = 0x21, AT = 0x40, LPAREN = 0x28, RPAREN = 0x29, COMMA = 0x2c, SEMI = 0x3b, DOT = 0x2e, LF = 0x0a;
const HINT_PRIMARY = Buffer.from('sluice:primary');
const HINT_REPLICA = Buffer.from('sluice:replica');

/** Letters, digits, '_', '$' and every byte of a multi-byte UTF-8 character. */
function isWordByte(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x24 || c >= 0x80;
}

function isDigit(c: number): boolean { return c >= 0x30 && c <= 0x39; }

export class MysqlLexer {
  /** Byte offsets of the last token: [start, end). */
  start = 0;
  end = 0;
  hint: RouteHint = null;
  private buf: Buffer = Buffer.alloc(0);
  private limit = 0;
  private pos = 0;
  private tokens = 0;
  private escapes = true;
  private inExecutable = false;

  /** Lex buf[start, end); `noBackslashEscapes` as the session's SERVER_STATUS_NO_BACKSLASH_ESCAPES says. */
  reset(buf: Buffer, start: number, end: number, noBackslashEscapes: boolean): void {
    this.buf = buf;
    this.pos = this.start = this.end = start;
    this.limit = end;
    this.tokens = 0;
    this.hint = null;
    this.escapes = !noBackslashEscapes;
    this.inExecutable = false;
  }

  /** Whether the last Word token is `keyword` (lower-case ASCII), in any letter case. */
  is(keyword: string): boolean {
    const len = keyword.length;
    if (this.end - this.start !== len) return false;
    for (let i = 0; i < len; i++) if ((this.buf[this.start + i]! | 0x20) !== keyword.charCodeAt(i)) return false;
    return true;
  }

  /** Bytes between two offsets as a lower-case string: a word seen earlier (a function's name). */
  lowered(start: number, end: number): string { return this.buf.toString('utf8', start, end).toLowerCase(); }

  next(): Tok {
    const b = this.buf;
    const n = this.limit;
    for (;;) {
      let i = this.pos;
      while (i < n && b[i]! <= 0x20) i++;
      this.pos = i;
      if (i >= n) { this.start = this.end = n; return Tok.End; }
      const c = b[i]!;
      const d = i + 1 < n ? b[i + 1]! : 0;
      if (c === HASH || (c === MINUS && d === MINUS && (i + 2 >= n || b[i + 2]! <= 0x20))) {
        let eol = i + 1;
        while (eol < n && b[eol] !== LF) eol++;
        this.noteComment(i + (c === HASH ? 1 : 2), eol);
        this.pos = eol;
        continue;
      }
      if (c === SLASH && d === STAR) {
        if (this.executableOpen(i + 2)) continue;
        const close = b.indexOf('*/', i + 2, 'latin1');
        if (close < 0 || close + 2 > n) return this.unterminated();
        this.noteComment(i + 2, close);
        this.pos = close + 2;
        continue;
      }
      if (c === STAR && d === SLASH && this.inExecutable) {
        this.inExecutable = false;
        this.pos = i + 2;
        continue;
      }
      this.start = i;
      this.tokens++;
      return this.token(c);
    }
  }

  /** /*! or /*M! followed by an optional server version: its content is code. */
  private executableOpen(p: number): boolean {
    const b = this.buf;
    if (b[p] === 0x4d && b[p + 1] === BANG) p++;
    else if (b[p] !== BANG) return false;
    p++;
    while (p < this.limit && isDigit(b[p]!)) p++;
    this.pos = p;
    this.inExecutable = true;
    return true;
  }

  private token(c: number): Tok {
    const b = this.buf;
    if (isWordByte(c)) {
      let i = this.pos + 1;
      while (i < this.limit && isWordByte(b[i]!)) i++;
      this.pos = i;
      return this.done(isDigit(c) ? Tok.Number : Tok.Word);
    }
    switch (c) {
      case QUOTE: case DQUOTE: return this.quoted(c, this.escapes, Tok.String);
      case BACKTICK: return this.quoted(c, false, Tok.QuotedIdent);
      case AT: return this.variable();
      case LPAREN: return this.single(Tok.LParen);
      case RPAREN: return this.single(Tok.RParen);
      case COMMA: return this.single(Tok.Comma);
      case SEMI: return this.single(Tok.Semicolon);
      case DOT: return this.single(Tok.Dot);
      default: return this.single(Tok.Operator);
    }
  }

  /** @name, @'name', @`name` is a user variable (Param); @@[scope.]name a system variable (Word). */
  private variable(): Tok {
    const b = this.buf;
    const system = b[this.pos + 1] === AT;
    this.pos += system ? 2 : 1;
    const q = b[this.pos]!;
    if (!system && this.pos < this.limit && (q === QUOTE || q === DQUOTE || q === BACKTICK)) {
      return this.quoted(q, q !== BACKTICK && this.escapes, Tok.Param);
    }
    while (this.pos < this.limit && (isWordByte(b[this.pos]!) || (system && b[this.pos] === DOT))) this.pos++;
    return this.done(system ? Tok.Word : Tok.Param);
  }

  private single(t: Tok): Tok {
    this.pos++;
    return this.done(t);
  }

  private done(t: Tok): Tok {
    this.end = this.pos;
    return t;
  }

  private unterminated(): Tok {
    this.pos = this.start = this.end = this.limit;
    return Tok.Unterminated;
  }

  private quoted(q: number, escapes: boolean, t: Tok): Tok {
    const b = this.buf;
    let i = this.pos + 1;
    for (;;) {
      if (i >= this.limit) return this.unterminated();
      const c = b[i]!;
      if (escapes && c === BACKSLASH) { i += 2; continue; }
      if (c === q) {
        if (i + 1 < this.limit && b[i + 1] === q) { i += 2; continue; }
        this.pos = i + 1;
        return this.done(t);
      }
      i++;
    }
  }

  private noteComment(from: number, to: number): void {
    if (this.tokens > 0 || this.hint !== null) return;
    const b = this.buf;
    while (from < to && b[from]! <= 0x20) from++;
    while (to > from && b[to - 1]! <= 0x20) to--;
    if (b.subarray(from, to).equals(HINT_PRIMARY)) this.hint = 'primary';
    else if (b.subarray(from, to).equals(HINT_REPLICA)) this.hint = 'replica';
  }
}
