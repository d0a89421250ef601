/**
 * Just enough of PostgreSQL's lexer for routing: it tells words from string literals
 * ('', E'', B'', X'', N'', U&''), dollar-quoted bodies, quoted identifiers ("", U&""),
 * comments (-- and nested /* *\/), numbers, parameters and punctuation, so a keyword inside
 * a literal or comment never changes a decision. Assumes standard_conforming_strings = on
 * (the default since PostgreSQL 9.1): backslashes escape only in E'' strings.
 * Reuses one instance: no allocation per token; text is sliced only when asked for.
 */

export const Tok = {
  End: 0,
  Word: 1,
  QuotedIdent: 2,
  String: 3,
  Number: 4,
  Param: 5,
  LParen: 6,
  RParen: 7,
  Comma: 8,
  Semicolon: 9,
  Cast: 10,
  Dot: 11,
  Operator: 12,
  /** A string, quoted identifier, dollar body or comment that never ends: the server will reject it. */
  Unterminated: 13,
} as const;
export type Tok = (typeof Tok)[keyof typeof Tok];

/** What a comment before the first token asks for: `/* sluice:primary *\/` or `-- sluice:replica`. */
export type RouteHint = 'primary' | 'replica' | null;

const SPACE = 32, TAB = 9, LF = 10, CR = 13;
const QUOTE = 39, DQUOTE = 34, DOLLAR = 36, AMP = 38, LPAREN = 40, RPAREN = 41, STAR = 42, COMMA = 44;
const MINUS = 45, DOT = 46, SLASH = 47, COLON = 58, SEMI = 59, BACKSLASH = 92, UNDERSCORE = 95;

function isSpace(c: number): boolean { return c === SPACE || (c >= TAB && c <= CR); }
function isDigit(c: number): boolean { return c >= 48 && c <= 57; }
function isIdentStart(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === UNDERSCORE || c >= 128; }
function isIdentPart(c: number): boolean { return isIdentStart(c) || isDigit(c) || c === DOLLAR; }

export class SqlLexer {
  /** Start and end (exclusive) of the last token, in UTF-16 units. */
  start = 0;
  end = 0;
  /** Set by a sluice comment before the first token. */
  hint: RouteHint = null;
  private sql = '';
  private pos = 0;
  private tokens = 0;

  reset(sql: string): void {
    this.sql = sql;
    this.pos = 0;
    this.start = 0;
    this.end = 0;
    this.tokens = 0;
    this.hint = null;
  }

  /** The last Word token, lower-cased as PostgreSQL folds unquoted names. */
  word(): string { return this.sql.slice(this.start, this.end).toLowerCase(); }

  /** Whether the last Word token is `keyword` (given in lower case), without allocating. */
  is(keyword: string): boolean {
    const len = keyword.length;
    if (this.end - this.start !== len) return false;
    // Keywords are ASCII letters, and c | 0x20 equals a lower-case letter only for that letter in either case.
    for (let i = 0; i < len; i++) if ((this.sql.charCodeAt(this.start + i) | 0x20) !== keyword.charCodeAt(i)) return false;
    return true;
  }

  /** Source text between two offsets, lower-cased: a word seen earlier. */
  lowered(start: number, end: number): string { return this.sql.slice(start, end).toLowerCase(); }

  /** The name inside the last QuotedIdent token, case kept, doubled quotes undone. */
  quotedName(): string {
    const open = this.sql.indexOf('"', this.start);
    return this.sql.slice(open + 1, this.end - 1).replaceAll('""', '"');
  }

  next(): Tok {
    const s = this.sql;
    const n = s.length;
    for (;;) {
      let i = this.pos;
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      this.pos = i;
      if (i >= n) { this.start = this.end = n; return Tok.End; }
      const c = s.charCodeAt(i);
      const d = s.charCodeAt(i + 1);
      if (c === MINUS && d === MINUS) {
        const from = this.pos + 2;
        let eol = from;
        // PostgreSQL ends a line comment at either newline character.
        while (eol < n && s.charCodeAt(eol) !== LF && s.charCodeAt(eol) !== CR) eol++;
        this.pos = eol;
        this.noteComment(from, eol);
        continue;
      }
      if (c === SLASH && d === STAR) {
        const from = this.pos + 2;
        if (!this.skipBlockComment()) return this.unterminated();
        this.noteComment(from, this.pos - 2);
        continue;
      }
      this.start = this.pos;
      this.tokens++;
      return this.token(c, d);
    }
  }

  private token(c: number, d: number): Tok {
    const s = this.sql;
    if (isIdentStart(c)) {
      // Prefixed literals: E'..' escapes with backslashes; B'', X'', N'' and U&'' do not.
      const lower = c | 0x20;
      if (d === QUOTE && (lower === 101 || lower === 98 || lower === 120 || lower === 110)) {
        this.pos++;
        return this.quoted(QUOTE, lower === 101, Tok.String);
      }
      if (lower === 117 && d === AMP) {
        const q = s.charCodeAt(this.pos + 2);
        if (q === QUOTE || q === DQUOTE) {
          this.pos += 2;
          return this.quoted(q, false, q === QUOTE ? Tok.String : Tok.QuotedIdent);
        }
      }
      let i = this.pos + 1;
      while (i < s.length && isIdentPart(s.charCodeAt(i))) i++;
      this.pos = i;
      return this.done(Tok.Word);
    }
    if (isDigit(c) || (c === DOT && isDigit(d))) return this.number();
    switch (c) {
      case QUOTE: return this.quoted(QUOTE, false, Tok.String);
      case DQUOTE: return this.quoted(DQUOTE, false, Tok.QuotedIdent);
      case DOLLAR: return this.dollar(d);
      case LPAREN: return this.single(Tok.LParen);
      case RPAREN: return this.single(Tok.RParen);
      case COMMA: return this.single(Tok.Comma);
      case SEMI: return this.single(Tok.Semicolon);
      case DOT: return this.single(Tok.Dot);
      case COLON:
        if (d === COLON) { this.pos += 2; return this.done(Tok.Cast); }
        return this.single(Tok.Operator);
      default: return this.single(Tok.Operator);
    }
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
    this.pos = this.end = this.sql.length;
    return Tok.Unterminated;
  }

  /** From the opening quote at pos: a doubled quote is one quote; with backslashes, \x escapes x. */
  private quoted(q: number, backslashes: boolean, t: Tok): Tok {
    const s = this.sql;
    let i = this.pos + 1;
    for (;;) {
      if (i >= s.length) return this.unterminated();
      const c = s.charCodeAt(i);
      if (backslashes && c === BACKSLASH) { i += 2; continue; }
      if (c === q) {
        if (s.charCodeAt(i + 1) === q) { i += 2; continue; }
        this.pos = i + 1;
        return this.done(t);
      }
      i++;
    }
  }

  /** $1 is a parameter; $tag$ … $tag$ a dollar-quoted body; a lone $ an operator character. */
  private dollar(d: number): Tok {
    const s = this.sql;
    if (isDigit(d)) {
      this.pos++;
      while (this.pos < s.length && isDigit(s.charCodeAt(this.pos))) this.pos++;
      return this.done(Tok.Param);
    }
    let i = this.pos + 1;
    if (i < s.length && isIdentStart(s.charCodeAt(i))) {
      i++;
      // A tag may not contain $ itself, unlike an identifier.
      while (i < s.length && isIdentPart(s.charCodeAt(i)) && s.charCodeAt(i) !== DOLLAR) i++;
    }
    if (s.charCodeAt(i) !== DOLLAR) return this.single(Tok.Operator);
    const tag = s.slice(this.pos, i + 1);
    const close = s.indexOf(tag, i + 1);
    if (close < 0) return this.unterminated();
    this.pos = close + tag.length;
    return this.done(Tok.String);
  }

  private number(): Tok {
    const s = this.sql;
    let i = this.pos + 1;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (isDigit(c) || c === DOT || c === UNDERSCORE || ((c | 0x20) >= 97 && (c | 0x20) <= 122)) continue;
      // An exponent's sign: 1e-5, 2E+3.
      if ((c === MINUS || c === 43) && (s.charCodeAt(i - 1) | 0x20) === 101) continue;
      break;
    }
    this.pos = i;
    return this.done(Tok.Number);
  }

  /** Nested, as PostgreSQL's are. On return pos is just past the closing star-slash. */
  private skipBlockComment(): boolean {
    const s = this.sql;
    let depth = 0;
    let i = this.pos;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      const d = s.charCodeAt(i + 1);
      if (c === SLASH && d === STAR) { depth++; i += 2; } else if (c === STAR && d === SLASH) {
        i += 2;
        if (--depth === 0) { this.pos = i; return true; }
      } else i++;
    }
    return false;
  }

  private noteComment(from: number, to: number): void {
    if (this.tokens > 0 || this.hint !== null) return;
    const body = this.sql.slice(from, to).trim();
    if (body === 'sluice:primary') this.hint = 'primary';
    else if (body === 'sluice:replica') this.hint = 'replica';
  }
}
