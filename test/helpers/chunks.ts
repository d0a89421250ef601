/** Byte streams cut as a socket might deliver them, for parser property tests. */

/** Cut `bytes` at the given sizes (cycled; [] keeps it whole; a 0 counts as 1). */
export function chunk(bytes: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let o = 0, i = 0;
  while (o < bytes.length) {
    const n = Math.max(1, sizes.length === 0 ? bytes.length : sizes[i++ % sizes.length]!);
    // Copies, so that each chunk is its own buffer as a socket delivers it.
    out.push(Buffer.from(bytes.subarray(o, o + n)));
    o += n;
  }
  return out;
}
