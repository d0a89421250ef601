/**
 * Column profile from a sample: null ratio, distinct estimate, min / max / mean, top values
 * and length figures. Distinct counts of the whole column are estimated from the sample with
 * the GEE estimator (Charikar et al.): values seen once are scaled up by √(N/n), values seen
 * more often are counted as they are.
 */
import type { FieldProfile } from '../types.js';

const TOP = 5;
const NUMERIC_TYPE = /\b(int|integer|bigint|smallint|tinyint|mediumint|serial|bigserial|numeric|number|decimal|real|float|double|money)\b|^int\d|^float\d/i;

export function isNumericType(type: string): boolean {
  return NUMERIC_TYPE.test(type);
}

export function estimateDistinct(counts: Iterable<number>, sampled: number, population: number): number {
  let once = 0;
  let more = 0;
  for (const c of counts) {
    if (c === 1) once++;
    else more++;
  }
  if (sampled === 0) return 0;
  const scale = population > sampled ? Math.sqrt(population / sampled) : 1;
  return Math.min(Math.max(population, sampled), Math.round(once * scale + more));
}

export function profileColumn(values: readonly (string | null)[], type: string, rowEstimate: number | null): FieldProfile {
  const present = values.filter((v): v is string => v !== null);
  const counts = new Map<string, number>();
  for (const v of present) counts.set(v, (counts.get(v) ?? 0) + 1);
  const numeric = isNumericType(type) ? present.map(Number).filter((n) => Number.isFinite(n)) : [];
  const useNumbers = numeric.length > 0 && numeric.length === present.length;
  let min: string | number | null = null;
  let max: string | number | null = null;
  let mean: number | null = null;
  if (useNumbers) {
    min = numeric.reduce((a, b) => (b < a ? b : a));
    max = numeric.reduce((a, b) => (b > a ? b : a));
    mean = Math.round((numeric.reduce((a, b) => a + b, 0) / numeric.length) * 1e6) / 1e6;
  } else if (present.length > 0) {
    min = present.reduce((a, b) => (b < a ? b : a));
    max = present.reduce((a, b) => (b > a ? b : a));
  }
  const lengths = present.map((v) => v.length);
  const nonNullRows = rowEstimate === null ? present.length : Math.round(rowEstimate * (present.length / Math.max(values.length, 1)));
  return {
    sampled: values.length,
    nullRatio: values.length === 0 ? 0 : Math.round(((values.length - present.length) / values.length) * 1e4) / 1e4,
    distinctEstimate: estimateDistinct(counts.values(), present.length, Math.max(nonNullRows, present.length)),
    min, max, mean,
    topValues: [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP).map(([value, count]) => ({ value, count })),
    length: lengths.length === 0 ? null : {
      min: Math.min(...lengths), max: Math.max(...lengths),
      mean: Math.round((lengths.reduce((a, b) => a + b, 0) / lengths.length) * 100) / 100,
    },
  };
}
