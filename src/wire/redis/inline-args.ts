/**
 * Splits an inline command line into arguments the way Redis does (sdssplitargs in sds.c):
 * blanks separate arguments; "double quotes" take \xHH and \n \r \t \b \a escapes; 'single
 * quotes' take only \'; a quote may open mid-argument (a"b c" is `ab c`); a closing quote must
 * be followed by a blank or the end of the line. Ported rule for rule, because the proxy
 * forwards the line unchanged and must read the same arguments the server will.
 */

const NUL = 0x00;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const BACKSLASH = 0x5c;
const LOWER_X = 0x78;

export interface InlineArgs {
  /** Decoded arguments, back to back; argument i is buf[off[i], off[i] + len[i]). */
  readonly buf: Buffer;
  readonly argc: number;
}

/**
 * The arguments of line[start, end) (the line without its "\n" or "\r\n"), written into `off`
 * and `len`; null where Redis answers "unbalanced quotes in request". The line holds no NUL:
 * Redis never reads a line past one (the parser stalls on it), and here NUL ends the line as
 * the C string terminator does.
 */
export function splitInlineArgs(line: Buffer, start: number, end: number, off: number[], len: number[]): InlineArgs | null {
  // Decoded arguments are never longer than the line they come from.
  const out = Buffer.allocUnsafe(end - start);
  const at = (i: number): number => (i < end ? line[i]! : NUL);
  let w = 0, p = start, argc = 0;
  for (;;) {
    while (isSpace(at(p))) p++;
    if (at(p) === NUL) return { buf: out, argc };
    const argStart = w;
    let inDouble = false, inSingle = false, done = false;
    while (!done) {
      const c = at(p);
      if (inDouble) {
        if (c === BACKSLASH && at(p + 1) === LOWER_X && isHex(at(p + 2)) && isHex(at(p + 3))) {
          out[w++] = hexValue(at(p + 2)) * 16 + hexValue(at(p + 3));
          p += 3;
        } else if (c === BACKSLASH && at(p + 1) !== NUL) {
          out[w++] = unescape(at(++p));
        } else if (c === DQUOTE) {
          if (at(p + 1) !== NUL && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === NUL) {
          return null;
        } else {
          out[w++] = c;
        }
      } else if (inSingle) {
        if (c === BACKSLASH && at(p + 1) === SQUOTE) {
          out[w++] = SQUOTE;
          p++;
        } else if (c === SQUOTE) {
          if (at(p + 1) !== NUL && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === NUL) {
          return null;
        } else {
          out[w++] = c;
        }
      } else if (c === SPACE || c === LF || c === CR || c === TAB || c === NUL) {
        done = true;
      } else if (c === DQUOTE) {
        inDouble = true;
      } else if (c === SQUOTE) {
        inSingle = true;
      } else {
        out[w++] = c;
      }
      if (at(p) !== NUL) p++;
    }
    off[argc] = argStart;
    len[argc] = w - argStart;
    argc++;
  }
}

/** isspace() in the C locale, which sdssplitargs uses to skip blanks (\v and \f included). */
function isSpace(c: number): boolean {
  return c === SPACE || (c >= TAB && c <= CR);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function hexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}

function unescape(c: number): number {
  switch (c) {
    case 0x6e: return LF; // \n
    case 0x72: return CR; // \r
    case 0x74: return TAB; // \t
    case 0x62: return 0x08; // \b
    case 0x61: return 0x07; // \a
    default: return c;
  }
}
