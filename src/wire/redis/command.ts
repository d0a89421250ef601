/**
 * One client command as the parser hands it out: a view over the bytes it came in, reused
 * from command to command so that parsing allocates nothing per argument.
 */
import { bytesAreWord, type CommandArgs } from './command-args.js';

export interface RespCommand extends CommandArgs {
  /** The command's exact bytes are buf[start, end): forward them as they are. */
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
  /** Sent as an inline command (a text line) rather than a RESP array. */
  readonly inline: boolean;
  /** buf[start, end) as a Buffer view (no copy). */
  raw(): Buffer;
  /** Argument i (0 <= i < argc) as a Buffer view (no copy). */
  arg(i: number): Buffer;
}

/** The parser's reusable RespCommand; only the parser writes its fields. */
export class CommandView implements RespCommand {
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;
  inline = false;
  argc = 0;
  /** Argument i is argBuf[argBase + off[i], argBase + off[i] + len[i]). */
  argBuf: Buffer = this.buf;
  argBase = 0;
  off: number[] = [];
  len: number[] = [];

  raw(): Buffer { return this.buf.subarray(this.start, this.end); }

  arg(i: number): Buffer {
    if (i < 0 || i >= this.argc) throw new RangeError(`argument ${i} of ${this.argc}`);
    const s = this.argBase + this.off[i]!;
    return this.argBuf.subarray(s, s + this.len[i]!);
  }

  argIs(i: number, upperWord: string): boolean {
    if (i < 0 || i >= this.argc) return false;
    const s = this.argBase + this.off[i]!;
    return bytesAreWord(this.argBuf, s, s + this.len[i]!, upperWord);
  }

  argString(i: number): string {
    if (i < 0 || i >= this.argc) throw new RangeError(`argument ${i} of ${this.argc}`);
    const s = this.argBase + this.off[i]!;
    return this.argBuf.toString('latin1', s, s + this.len[i]!);
  }
}
