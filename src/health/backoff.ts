/**
 * How long an ejected host stays down: base × 2^(streak−1), capped, minus random jitter so
 * hosts ejected by one network blip do not all come back in the same instant.
 */
export function ejectionBackoffMs(streak: number, baseMs: number, maxMs: number, jitter: number, random: () => number): number {
  const exponent = Math.max(streak - 1, 0);
  // 2^exponent overflows to Infinity long after the cap, and Math.min handles Infinity.
  const capped = Math.min(baseMs * Math.pow(2, exponent), maxMs);
  return capped * (1 - jitter * random());
}

