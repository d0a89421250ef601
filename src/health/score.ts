/**
 * A host's load as the router weighs it: latency EWMA × (1 + in-flight) ÷ weight. Slower,
 * busier and lighter-weighted hosts score higher (worse), so a slow host gets proportionally
 * less traffic long before it is ejected.
 */

/** Keeps in-flight counts meaningful between hosts that have no latency sample yet. */
const LATENCY_FLOOR_MS = 1e-3;

export function loadScore(latencyEwmaMs: number, inFlight: number, weight: number): number {
  return Math.max(latencyEwmaMs, LATENCY_FLOOR_MS) * (1 + inFlight) / Math.max(weight, 1e-9);
}
