/**
 * The first bulks of a RESP2 array or RESP3 push ("message", channel...; "subscribe",
 * channel...; a sentinel's address pair), as latin1 strings: all Sluice reads of the frames
 * it passes on whole or of its own small replies.
 */
const CR = 0x0d;

export function readLeadingBulks(frame: Buffer, count = 2): (string | undefined)[] {
  const out: (string | undefined)[] = new Array<string | undefined>(count).fill(undefined);
  if (frame[0] !== 0x2a && frame[0] !== 0x3e) return out;
  let p = frame.indexOf(CR) + 2;
  for (let i = 0; i < count && p > 1 && p < frame.length; i++) {
    if (frame[p] !== 0x24) return out;
    const lineEnd = frame.indexOf(CR, p);
    if (lineEnd < 0) return out;
    const size = Number(frame.toString('latin1', p + 1, lineEnd));
    const start = lineEnd + 2;
    if (!Number.isInteger(size) || size < 0 || start + size > frame.length) return out;
    out[i] = frame.toString('latin1', start, start + size);
    p = start + size + 2;
  }
  return out;
}
