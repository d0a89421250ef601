/**
 * Streaming parser of what Redis clients send: RESP arrays of bulk strings and inline command
 * lines, framed rule for rule as Redis 7 frames them (processMultibulkBuffer and
 * processInlineBuffer in networking.c). The proxy forwards each command's bytes unchanged, so
 * it must agree with the server on where every command ends; where Redis is lenient (the two
 * bytes after a length line's '\r' or after a bulk are skipped unread) this parser is too, and
 * where Redis waits (a NUL before a line's end hides the end from its strchr) this one waits
 * too, up to the same 64 KB.
 *
 * Hand-written, not a RESP library: those decode every argument into a new Buffer or string,
 * and the forwarding path needs only the command's extent and a look at its name.
 *
 * Zero copy: a command that lies inside one pushed chunk is a view of that chunk. Only a
 * command split across chunks is copied, into a buffer the parser then hands over and never
 * touches again, so its bytes may be queued on a socket.
 */
import { RespProtocolError } from '../../errors.js';
import { CommandView, type RespCommand } from './command.js';
import { splitInlineArgs } from './inline-args.js';
import { parseRedisInt } from './redis-int.js';

export interface CommandParserOptions {
  /** Largest bulk argument, in bytes: Redis's proto-max-bulk-len (512 MB by default). */
  readonly maxBulkLength?: number;
  /** Most arguments in one command; Redis takes up to 2^31 - 1. */
  readonly maxArrayLength?: number;
  /** Longest inline command line or length line, in bytes: Redis's PROTO_INLINE_MAX_SIZE (64 KB). */
  readonly maxInlineLength?: number;
}

export const DEFAULT_MAX_BULK_LENGTH = 512 * 1024 * 1024;
export const DEFAULT_MAX_ARRAY_LENGTH = 2 ** 31 - 1;
export const DEFAULT_MAX_INLINE_LENGTH = 64 * 1024;

// Where the parser is in the current command.
const START = 0;
const COUNT_LINE = 1; // "*<count>" up to its '\r'
const COUNT_LF = 2; // the byte after that '\r'
const ARG_LINE = 3; // "$<length>" up to its '\r'
const ARG_LF = 4;
const BODY = 5; // the argument's bytes and the two after them
const INLINE_LINE = 6; // an inline line up to its '\n'
const STALLED = 7; // a NUL hid the end of the line; wait for the size error, as Redis does

const NUL = 0x00;
const LF = 0x0a;
const CR = 0x0d;
const DOLLAR = 0x24;
const STAR = 0x2a;
/** Bytes of a length line kept to read its number: a valid line has at most 21 ('$' and 20). */
const LINE_KEEP = 24;
/** Smallest buffer started for a command split across chunks. */
const MIN_CARRY = 1024;
/** Argument tables grown past this by one huge command are dropped rather than kept. */
const KEEP_ARGS = 1024;

export class RespCommandParser {
  private readonly maxBulk: number;
  private readonly maxArray: number;
  private readonly maxInline: number;
  private readonly view = new CommandView();
  private chunk: Buffer | null = null;
  private pos = 0;
  /** Chunks pushed before the current one was read to its end. */
  private readonly queue: Buffer[] = [];
  /** The current command's bytes from earlier chunks, carryLen of them. */
  private carry: Buffer | null = null;
  private carryLen = 0;
  private state = START;
  /** The line state a NUL stalled in, for the error Redis gives when the line grows too big. */
  private stalledIn = START;
  /** p - base is the offset of chunk[p] in the current command (base < 0 once it began in an earlier chunk). */
  private base = 0;
  private readonly line = new Uint8Array(LINE_KEEP);
  private lineLen = 0;
  private argc = 0;
  private argsLeft = 0;
  /** Bytes of the current argument still to come, its trailing two included. */
  private bulkNeed = 0;
  private failure: RespProtocolError | null = null;

  constructor(options: CommandParserOptions = {}) {
    this.maxBulk = options.maxBulkLength ?? DEFAULT_MAX_BULK_LENGTH;
    this.maxArray = options.maxArrayLength ?? DEFAULT_MAX_ARRAY_LENGTH;
    this.maxInline = options.maxInlineLength ?? DEFAULT_MAX_INLINE_LENGTH;
  }

  /**
   * Add bytes read from the client. The parser keeps a reference to `chunk` until next() has
   * returned null, and commands it returns are views of it: do not reuse the chunk's memory
   * before then. Ignored after a protocol error.
   */
  push(chunk: Buffer): void {
    if (this.failure !== null || chunk.length === 0) return;
    if (this.chunk === null) {
      this.chunk = chunk;
      this.pos = 0;
    } else {
      this.queue.push(chunk);
    }
  }

  /**
   * The next complete command, or null when more bytes are needed (the unread part of a
   * command has then been copied, and the parser holds no chunk of yours). The returned object is
   * reused: it is valid until the next call. Empty commands ("*0", "*-1", blank inline lines)
   * are skipped, as Redis skips them. Throws RespProtocolError where Redis would answer a
   * protocol error, after returning every command before the bad bytes; from then on every
   * call throws the same error: send `error.reply` and close, as Redis does.
   */
  next(): RespCommand | null {
    if (this.failure !== null) throw this.failure;
    while (this.chunk !== null) {
      if (this.scan(this.chunk)) return this.view;
      this.chunkDone(this.chunk);
    }
    return null;
  }

  /** Parse chunk from pos; true when a command is complete in the view. */
  private scan(buf: Buffer): boolean {
    const end = buf.length;
    let p = this.pos;
    while (p < end) {
      switch (this.state) {
        case START:
          this.startCommand(p, buf[p] === STAR ? COUNT_LINE : INLINE_LINE);
          break;
        case COUNT_LINE:
        case ARG_LINE: {
          const cr = this.scanLine(buf, p, end, CR);
          if (cr < 0) return this.stop(end, false);
          p = cr + 1;
          this.state = this.state === COUNT_LINE ? COUNT_LF : ARG_LF;
          break;
        }
        case COUNT_LF:
          p++;
          this.countLineDone();
          break;
        case ARG_LF:
          p++;
          this.argLineDone(p - this.base);
          break;
        case BODY: {
          if (end - p < this.bulkNeed) {
            this.bulkNeed -= end - p;
            return this.stop(end, false);
          }
          p += this.bulkNeed;
          this.bulkNeed = 0;
          if (--this.argsLeft > 0) {
            this.state = ARG_LINE;
            this.lineLen = 0;
            break;
          }
          this.complete(buf, p);
          this.view.argBuf = this.view.buf;
          this.view.argBase = this.view.start;
          return this.stop(p, true);
        }
        case INLINE_LINE: {
          const lf = this.scanLine(buf, p, end, LF);
          if (lf < 0) return this.stop(end, false);
          p = lf + 1;
          if (this.inlineDone(buf, p)) return this.stop(p, true);
          break;
        }
        default: // STALLED
          this.lineLen += end - p;
          if (this.lineLen > this.maxInline) throw this.tooBig(this.stalledIn);
          return this.stop(end, false);
      }
    }
    return this.stop(p, false);
  }

  private stop(p: number, complete: boolean): boolean {
    this.pos = p;
    return complete;
  }

  private startCommand(p: number, state: number): void {
    this.state = state;
    this.base = p;
    this.carryLen = 0;
    this.lineLen = 0;
    this.argc = 0;
    if (this.view.off.length > KEEP_ARGS) {
      this.view.off = [];
      this.view.len = [];
    }
  }

  /**
   * Scan a line for `term`, keeping its first bytes in `line` and its length in lineLen.
   * Returns the terminator's index, or -1 when the chunk ends first or a NUL stalls the line.
   */
  private scanLine(buf: Buffer, p: number, end: number, term: number): number {
    let n = this.lineLen;
    for (; p < end; p++) {
      const c = buf[p]!;
      if (c === term) {
        this.lineLen = n;
        return p;
      }
      if (c === NUL) {
        // Redis looks for the line's end with strchr, which stops at the NUL: it waits, and
        // every byte received from the line's start counts towards the 64 KB limit.
        this.stalledIn = this.state;
        this.state = STALLED;
        this.lineLen = n + (end - p);
        if (this.lineLen > this.maxInline) throw this.tooBig(this.stalledIn);
        return -1;
      }
      if (n < LINE_KEEP) this.line[n] = c;
      if (++n > this.maxInline) throw this.tooBig(this.state);
    }
    this.lineLen = n;
    return -1;
  }

  private countLineDone(): void {
    const count = this.lineLen <= LINE_KEEP ? parseRedisInt(this.line, 1, this.lineLen) : NaN;
    if (!(count <= this.maxArray)) throw this.fail('ERR Protocol error: invalid multibulk length');
    if (count <= 0) {
      this.state = START; // an empty command: Redis reads it and runs nothing
      return;
    }
    this.argsLeft = count;
    this.state = ARG_LINE;
    this.lineLen = 0;
  }

  /** The "$<length>" line is read; `at` is the argument's offset in the command. */
  private argLineDone(at: number): void {
    // An empty line's first byte is its own '\r'; Redis turns CR and LF in errors into spaces.
    const first = this.lineLen === 0 ? CR : this.line[0]!;
    if (first !== DOLLAR) {
      const got = first === CR || first === LF ? ' ' : String.fromCharCode(first);
      throw this.fail(`ERR Protocol error: expected '$', got '${got}'`);
    }
    const length = this.lineLen <= LINE_KEEP ? parseRedisInt(this.line, 1, this.lineLen) : NaN;
    if (!(length >= 0 && length <= this.maxBulk)) throw this.fail('ERR Protocol error: invalid bulk length');
    this.view.off[this.argc] = at;
    this.view.len[this.argc] = length;
    this.argc++;
    this.bulkNeed = length + 2;
    this.state = BODY;
  }

  /** An inline line ended just before p; false when it holds no argument and is skipped. */
  private inlineDone(buf: Buffer, p: number): boolean {
    this.complete(buf, p);
    const v = this.view;
    let lineEnd = v.end - 1;
    if (lineEnd > v.start && v.buf[lineEnd - 1] === CR) lineEnd--;
    const args = splitInlineArgs(v.buf, v.start, lineEnd, v.off, v.len);
    if (args === null) throw this.fail('ERR Protocol error: unbalanced quotes in request');
    if (args.argc === 0) return false;
    v.inline = true;
    v.argc = args.argc;
    v.argBuf = args.buf;
    v.argBase = 0;
    return true;
  }

  /** The command ends just before chunk[p]: point the view at its bytes. */
  private complete(buf: Buffer, p: number): void {
    const v = this.view;
    if (this.base >= 0) {
      v.buf = buf;
      v.start = this.base;
      v.end = p;
    } else {
      this.appendCarry(buf, 0, p, true);
      v.buf = this.carry!;
      v.start = 0;
      v.end = this.carryLen;
      this.carry = null; // handed over with the command: never written again
      this.carryLen = 0;
    }
    v.inline = false;
    v.argc = this.argc;
    this.state = START;
  }

  /** The chunk is read to its end: keep the unfinished command's bytes and move on. */
  private chunkDone(chunk: Buffer): void {
    if (this.state !== START && this.state !== STALLED) {
      this.appendCarry(chunk, this.base > 0 ? this.base : 0, chunk.length, false);
      this.base = -this.carryLen;
    }
    this.chunk = this.queue.shift() ?? null;
    this.pos = 0;
  }

  private appendCarry(src: Buffer, from: number, to: number, exact: boolean): void {
    const need = this.carryLen + (to - from);
    let carry = this.carry;
    if (carry === null || carry.length < need) {
      let size = need;
      if (!exact) {
        size = Math.max(need, (carry?.length ?? 0) * 2, MIN_CARRY);
        // Grow with the bytes that came, never to a length only declared: a client announcing a
        // 512 MB argument and sending nothing costs nothing.
        if (this.state === BODY) size = Math.min(size, need + this.bulkNeed);
      }
      const grown = Buffer.allocUnsafe(size);
      if (carry !== null) carry.copy(grown, 0, 0, this.carryLen);
      this.carry = carry = grown;
    }
    src.copy(carry, this.carryLen, from, to);
    this.carryLen = need;
  }

  private tooBig(lineState: number): RespProtocolError {
    if (lineState === COUNT_LINE) return this.fail('ERR Protocol error: too big mbulk count string');
    if (lineState === ARG_LINE) return this.fail('ERR Protocol error: too big bulk count string');
    return this.fail('ERR Protocol error: too big inline request');
  }

  /** Record the error (every later call throws it) and let go of all buffered bytes. */
  private fail(message: string): RespProtocolError {
    this.failure = new RespProtocolError(message);
    this.chunk = null;
    this.queue.length = 0;
    this.carry = null;
    this.carryLen = 0;
    return this.failure;
  }
}
