/**
 * Collapses sampled Redis keys into patterns (`user:42:cart` → `user:{id}:cart`). Two passes:
 * segments that look like identifiers (numbers, UUIDs, hex, ULIDs, long mixed tokens, e-mail
 * addresses) are replaced at once; then, among keys of the same shape, a position whose values
 * vary widely while the rest stays fixed (`user:alice:cart`, `user:bob:cart`…) is collapsed too.
 */

const DELIMITERS = /([:/|])/;
export const ID = '{id}';

const ID_SEGMENT: readonly RegExp[] = [
  /^-?\d+$/,
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^[0-9A-HJKMNP-TV-Z]{26}$/,
  /^(?=.*\d)[0-9a-f]{8,}$/i,
  // Long tokens mixing letters and digits: session ids, base64 / base62 ids.
  /^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-+=]{12,}$/,
  /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i,
];

export function isIdSegment(segment: string): boolean {
  return ID_SEGMENT.some((re) => re.test(segment));
}

/** Segments and the delimiters between them, so the pattern keeps the key's own punctuation. */
function split(key: string): string[] {
  return key.split(DELIMITERS);
}

/** First pass: identifier-looking segments become {id}. */
export function collapseKey(key: string): string {
  return split(key).map((part, i) => (i % 2 === 0 && isIdSegment(part) ? ID : part)).join('');
}

/** Distinct values at one position, among keys otherwise identical, that make it a variable. */
export const MIN_VARIANTS = 5;

/**
 * Maps each key to its pattern. The second pass runs position by position; a position is
 * never the first segment, which names the key family rather than an instance.
 */
export function collapseKeys(keys: readonly string[], minVariants = MIN_VARIANTS): Map<string, string> {
  let parts = keys.map((k) => split(collapseKey(k)));
  const maxLen = Math.max(0, ...parts.map((p) => p.length));
  for (let pos = 2; pos < maxLen; pos += 2) {
    const variants = new Map<string, Set<string>>();
    const signature = (p: string[]) => `${p.length}\u0000${[...p.slice(0, pos), ...p.slice(pos + 1)].join('\u0000')}`;
    for (const p of parts) {
      if (p.length <= pos || p[pos] === ID) continue;
      const sig = signature(p);
      const set = variants.get(sig) ?? new Set<string>();
      set.add(p[pos]!);
      variants.set(sig, set);
    }
    parts = parts.map((p) => {
      if (p.length <= pos || p[pos] === ID) return p;
      const set = variants.get(signature(p));
      return set && set.size >= minVariants ? [...p.slice(0, pos), ID, ...p.slice(pos + 1)] : p;
    });
  }
  const out = new Map<string, string>();
  keys.forEach((k, i) => out.set(k, parts[i]!.join('')));
  return out;
}
