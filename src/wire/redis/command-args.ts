/**
 * The arguments of one Redis command as the classifier and the proxy read them: by index, and
 * compared with keywords in place, so that reading a command does not turn its payload into
 * strings.
 */
export interface CommandArgs {
  /** Number of arguments, the command name included. */
  readonly argc: number;
  /** Argument i equals `upperWord` (upper-case ASCII) ignoring ASCII case; false when i >= argc. */
  argIs(i: number, upperWord: string): boolean;
  /** Argument i decoded one char per byte (latin1): for names, subcommands and numbers, not payloads. */
  argString(i: number): string;
}

const LOWER_A = 0x61;
const LOWER_Z = 0x7a;

/** bytes[start, end) equals `upperWord` with ASCII letters compared case-insensitively. */
export function bytesAreWord(bytes: Uint8Array, start: number, end: number, upperWord: string): boolean {
  if (end - start !== upperWord.length) return false;
  for (let i = 0; i < upperWord.length; i++) {
    let c = bytes[start + i]!;
    if (c >= LOWER_A && c <= LOWER_Z) c -= 0x20;
    if (c !== upperWord.charCodeAt(i)) return false;
  }
  return true;
}

/** CommandArgs over a list of arguments, for callers that hold a command as separate values. */
export function commandArgs(args: readonly (Buffer | string)[]): CommandArgs {
  const bufs = args.map((a) => (typeof a === 'string' ? Buffer.from(a) : a));
  return {
    argc: bufs.length,
    argIs: (i, upperWord) => i < bufs.length && bytesAreWord(bufs[i]!, 0, bufs[i]!.length, upperWord),
    argString: (i) => bufs[i]!.toString('latin1'),
  };
}
