/**
 * Finds where each top-level reply ends in what a Redis server sends, RESP2 and RESP3 alike:
 * nested aggregates, attributes ('|', which belong to the reply they precede) and push frames
 * ('>', flagged so the proxy can route them to subscribers rather than to the next waiting
 * command). It copies nothing and never waits for a whole reply: the state of a reply cut by
 * a chunk's end is carried into the next chunk, so the proxy can forward the bytes it has.
 *
 * Hand-written, not a RESP library: those build a value per element, and the forwarding path
 * only needs boundaries. Bulk payloads are skipped by arithmetic, length lines are read digit
 * by digit in one pass, simple lines are scanned in JS (short, so cheaper than a native
 * indexOf call), and nesting lives in two preallocated typed arrays: no allocation per reply.
 */
import { RespProtocolError } from '../../errors.js';

// Where the splitter is in the current element.
const TYPE = 0; // expecting a type byte
const LINE = 1; // a simple line (+ - : _ # , () up to its '\n'
const HEADER = 2; // the number of a length line ($ ! = * % ~ > |) up to its '\r'
const HEADER_LF = 3;
const BODY = 4; // a bulk's payload
const BODY_CR = 5; // the "\r\n" after it
const BODY_LF = 6;

// What a length line introduces.
const BULK = 0;
const AGGREGATE = 1;
const MAP = 2;
const ATTRIBUTE = 3;

const LF = 0x0a;
const CR = 0x0d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const PUSH = 0x3e; // '>'
const ARRAY = 0x2a; // '*'
const BULK_STRING = 0x24; // '$'

/** Deeper nesting is refused; Redis's deepest replies (COMMAND DOCS) nest about six levels. */
export const MAX_REPLY_DEPTH = 64;
/** Length lines with more digits are refused: 15 keep every length exact in a double. */
const MAX_DIGITS = 15;

export class RespReplySplitter {
  private state = TYPE;
  /** Type byte of the length line being read. */
  private headerType = 0;
  private headerKind = BULK;
  private negative = false;
  private digits = 0;
  private value = 0;
  /** Payload bytes of the current bulk still to come. */
  private bodyLeft = 0;
  /** Whether the last byte scanned of the current simple line was '\r'. */
  private lineLastCR = false;
  /** Elements still expected by each open aggregate, innermost at depth - 1. */
  private readonly remaining = new Float64Array(MAX_REPLY_DEPTH);
  /** 1 where the open aggregate is an attribute, which does not count as a value of its parent. */
  private readonly isAttribute = new Uint8Array(MAX_REPLY_DEPTH);
  private depth = 0;
  private inReply = false;
  private pushFrame = false;

  /**
   * True when the reply that scan() last ended is a push frame, or, while scan() returns -1,
   * when the reply in progress is one (known from its type byte, after its attributes if it has some).
   */
  get push(): boolean { return this.pushFrame; }

  /** Part of a reply has been scanned but not its end. */
  get midReply(): boolean { return this.inReply; }

  /**
   * Scan buf[start, end). Returns the offset just past the first top-level reply that ends in
   * that range, or -1 when the range ends inside a reply, whose state is kept for the next
   * call. Call again from the returned offset for the next reply. Throws RespProtocolError on
   * bytes that are not RESP; the connection is then unusable.
   */
  scan(buf: Uint8Array, start: number, end: number): number {
    let p = start;
    while (p < end) {
      switch (this.state) {
        case TYPE:
          this.readType(buf[p++]!);
          break;
        case LINE: {
          while (p < end && buf[p] !== LF) p++;
          if (p === end) {
            if (end > start) this.lineLastCR = buf[end - 1] === CR;
            return -1;
          }
          const crBefore = p > start ? buf[p - 1] === CR : this.lineLastCR;
          if (!crBefore) throw invalid('a line ends in "\\n" without "\\r"');
          p++;
          if (this.valueDone()) return p;
          break;
        }
        case HEADER:
          p = this.readDigits(buf, p, end);
          break;
        case HEADER_LF:
          if (buf[p++] !== LF) throw invalid('a length line ends in "\\r" without "\\n"');
          if (this.headerDone()) return p;
          break;
        case BODY:
          if (end - p < this.bodyLeft) {
            this.bodyLeft -= end - p;
            return -1;
          }
          p += this.bodyLeft;
          this.state = BODY_CR;
          break;
        case BODY_CR:
          if (buf[p++] !== CR) throw invalid('a bulk is longer than its length');
          this.state = BODY_LF;
          break;
        default: // BODY_LF
          if (buf[p++] !== LF) throw invalid('a bulk is longer than its length');
          if (this.valueDone()) return p;
      }
    }
    return -1;
  }

  private readType(c: number): void {
    if (this.depth === 0 && !this.inReply) {
      this.inReply = true;
      this.pushFrame = false;
    }
    switch (c) {
      case 0x2b: case 0x2d: case 0x3a: case 0x5f: case 0x23: case 0x2c: case 0x28: // + - : _ # , (
        this.state = LINE;
        this.lineLastCR = false;
        return;
      case BULK_STRING: case 0x21: case 0x3d: // $ ! =
        return this.startHeader(c, BULK);
      case PUSH:
        if (this.depth === 0) this.pushFrame = true;
        return this.startHeader(c, AGGREGATE);
      case ARRAY: case 0x7e: // * ~
        return this.startHeader(c, AGGREGATE);
      case 0x25: // %
        return this.startHeader(c, MAP);
      case 0x7c: // |
        return this.startHeader(c, ATTRIBUTE);
      default:
        throw invalid(`unknown type byte 0x${c.toString(16).padStart(2, '0')}`);
    }
  }

  private startHeader(type: number, kind: number): void {
    this.headerType = type;
    this.headerKind = kind;
    this.negative = false;
    this.digits = 0;
    this.value = 0;
    this.state = HEADER;
  }

  /** Read a length line's digits up to its '\r'. */
  private readDigits(buf: Uint8Array, p: number, end: number): number {
    for (; p < end; p++) {
      const c = buf[p]!;
      if (c >= ZERO && c <= NINE) {
        if (++this.digits > MAX_DIGITS) throw invalid('a length has too many digits');
        this.value = this.value * 10 + (c - ZERO);
      } else if (c === MINUS && this.digits === 0 && !this.negative) {
        this.negative = true;
      } else if (c === CR && this.digits > 0) {
        this.state = HEADER_LF;
        return p + 1;
      } else {
        // Includes '?', the streamed strings and aggregates of RESP3, which Redis never sends.
        throw invalid('a length is not a number');
      }
    }
    return p;
  }

  /** A length line is read; true when it completes the top-level reply. */
  private headerDone(): boolean {
    this.state = TYPE;
    const n = this.value;
    if (this.negative) {
      // -1 is RESP2's null bulk ($-1) and null array (*-1); no other negative length exists.
      if (n !== 1 || (this.headerType !== BULK_STRING && this.headerType !== ARRAY)) throw invalid('a negative length');
      return this.valueDone();
    }
    switch (this.headerKind) {
      case BULK:
        this.bodyLeft = n;
        this.state = BODY;
        return false;
      case AGGREGATE:
        return n === 0 ? this.valueDone() : this.open(n, 0);
      case MAP:
        return n === 0 ? this.valueDone() : this.open(2 * n, 0);
      default: // ATTRIBUTE: an empty one describes nothing and the value still follows
        return n === 0 ? false : this.open(2 * n, 1);
    }
  }

  private open(elements: number, attribute: number): false {
    if (this.depth === MAX_REPLY_DEPTH) throw invalid(`replies nest deeper than ${MAX_REPLY_DEPTH} levels`);
    this.remaining[this.depth] = elements;
    this.isAttribute[this.depth] = attribute;
    this.depth++;
    return false;
  }

  /** A value (not an attribute) is complete; true when that completes the top-level reply. */
  private valueDone(): boolean {
    this.state = TYPE;
    for (;;) {
      if (this.depth === 0) {
        this.inReply = false;
        return true;
      }
      if (--this.remaining[this.depth - 1]! > 0) return false;
      this.depth--;
      // A finished attribute is not a value: the value it describes comes next, at this level.
      if (this.isAttribute[this.depth] === 1) return false;
    }
  }
}

function invalid(what: string): RespProtocolError {
  return new RespProtocolError(`ERR Protocol error: invalid reply from server: ${what}`);
}
