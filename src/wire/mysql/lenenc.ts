/**
 * Length-encoded integers read straight from a buffer without a reader object, for the
 * forwarding path (response tracking skips OK-packet fields this way), plus their size.
 * PayloadReader and PacketWriter are the checked, allocating forms for everything else.
 */

/**
 * Bytes the length-encoded integer starting with `first` takes, prefix included; 0 for the
 * bytes that do not start one (0xfb is NULL in a row, 0xff an error header).
 */
export function lenencLength(first: number): number {
  if (first < 0xfb) return 1;
  switch (first) {
    case 0xfc: return 3;
    case 0xfd: return 4;
    case 0xfe: return 9;
    default: return 0;
  }
}

/**
 * The value of the length-encoded integer at buf[off], read as a number (exact below 2^53,
 * which counts of columns and parameters always are). The caller checks lenencLength first.
 */
export function lenencValue(buf: Uint8Array, off: number): number {
  const first = buf[off]!;
  if (first < 0xfb) return first;
  if (first === 0xfc) return buf[off + 1]! | (buf[off + 2]! << 8);
  if (first === 0xfd) return buf[off + 1]! | (buf[off + 2]! << 8) | (buf[off + 3]! << 16);
  let v = 0;
  for (let i = 8; i >= 1; i--) v = v * 256 + buf[off + i]!;
  return v;
}

/** Bytes a value takes length-encoded. */
export function lenencSize(value: number | bigint): number {
  const n = typeof value === 'bigint' ? value : BigInt(value);
  if (n < 0xfbn) return 1;
  if (n <= 0xffffn) return 3;
  if (n <= 0xffffffn) return 4;
  return 9;
}
