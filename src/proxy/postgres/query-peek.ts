/**
 * A glance at the start of a simple query's text, for the few statements transaction pooling
 * must handle itself. Most queries are rejected on their first two or three letters, so the
 * common path (DELETE and DROP included) costs a few byte comparisons.
 */

export type PeekedQuery =
  | { kind: 'listen' }
  | { kind: 'deallocate-all' }
  | { kind: 'deallocate'; name: string };

const WORD = /^[A-Za-z_][A-Za-z0-9_$]*/;

/** Classify the query text in buf[start, end) (end excludes the terminating NUL). */
export function classifyQuery(buf: Buffer, start: number, end: number): PeekedQuery | null {
  const o = skipBlanks(buf, start, end);
  const first = buf[o]! | 0x20; // lower-case letter
  if (first === 0x6c /* l */) {
    if ((buf[o + 1]! | 0x20) !== 0x69 /* i */) return null;
  } else if (first !== 0x64 /* d */ || (buf[o + 1]! | 0x20) !== 0x65 /* e */ || (buf[o + 2]! | 0x20) !== 0x61 /* a: not delete, drop, do */) {
    return null;
  }
  // Statements of interest are short; a long text cannot be one of them.
  const text = buf.toString('utf8', o, Math.min(end, o + 200));
  if (/^listen\b/i.test(text)) return { kind: 'listen' };
  const words = splitWords(text);
  if (words === null) return null;
  const [w0, w1, w2, ...rest] = words.map((w, i) => (i < 3 && !w.startsWith('"') ? w.toLowerCase() : w));
  if (w0 !== 'deallocate') return null;
  let target = w1, extra = w2;
  if (w1 === 'prepare') { target = w2; extra = rest[0]; }
  if (target === undefined || extra !== undefined) return null;
  if (target === 'all') return { kind: 'deallocate-all' };
  return { kind: 'deallocate', name: target.startsWith('"') ? target.slice(1, -1).replace(/""/g, '"') : target };
}

function skipBlanks(buf: Buffer, o: number, end: number): number {
  while (o < end) {
    const c = buf[o]!;
    if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) o++;
    else if (c === 0x2d && buf[o + 1] === 0x2d) { // -- comment
      while (o < end && buf[o] !== 0x0a) o++;
    } else if (c === 0x2f && buf[o + 1] === 0x2a) { // /* comment */
      const close = buf.indexOf('*/', o + 2);
      o = close < 0 || close >= end ? end : close + 2;
    } else break;
  }
  return o;
}

/** Words and quoted identifiers up to an optional final ';'; null if anything else follows. */
function splitWords(text: string): string[] | null {
  const words: string[] = [];
  let s = text.trim();
  while (s.length > 0) {
    if (s[0] === ';') return s.slice(1).trim() === '' ? words : null;
    if (s[0] === '"') {
      const m = /^"(?:[^"]|"")*"/.exec(s);
      if (!m) return null;
      words.push(m[0]);
      s = s.slice(m[0].length).trimStart();
      continue;
    }
    const m = WORD.exec(s);
    if (!m) return null;
    words.push(m[0]);
    s = s.slice(m[0].length).trimStart();
  }
  return words;
}
