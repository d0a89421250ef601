/**
 * Scores a column against every rule: a name match and the share of sampled values that
 * match give two confidences, combined as independent evidence (1 − (1−a)(1−b)). Among types
 * suggested by values alone, only the most specific stands (a checksum beats a loose shape),
 * so a column of valid card numbers or IP addresses is not also called "phone".
 */
import { DiscoveryError } from '../errors.js';
import type { Classification } from '../types.js';
import { CHECKS, type CheckName } from './checks.js';
import type { ClassificationRule } from './rules.js';

export const REPORT_THRESHOLD = 0.5;
/** Below this many non-empty values, values neither confirm nor contradict a name. */
const MIN_VALUES = 5;

export interface CompiledRule {
  type: string;
  names: RegExp[];
  pattern: RegExp | null;
  check: ((v: string) => boolean) | null;
  checked: boolean;
  minShare: number;
  sensitive: boolean;
  nameConfidence: number;
  valueConfidence: number;
}

export function compileRules(rules: readonly ClassificationRule[]): CompiledRule[] {
  return rules.map((r) => {
    try {
      return {
        type: r.type,
        names: (r.names ?? []).map((n) => new RegExp(n, 'iu')),
        pattern: r.pattern === undefined ? null : new RegExp(`^(?:${r.pattern})$`, 'u'),
        check: r.check === undefined ? null : CHECKS[r.check as CheckName],
        checked: r.check !== undefined,
        minShare: r.minShare ?? 0.8,
        sensitive: r.sensitive ?? true,
        nameConfidence: r.nameConfidence ?? 0.5,
        valueConfidence: r.valueConfidence ?? (r.check ? 0.98 : 0.9),
      };
    } catch (err) {
      throw new DiscoveryError('SLUICE_DISCOVERY_RULE_INVALID', `classification rule "${r.type}" has an invalid regular expression: ${(err as Error).message}`, { cause: err });
    }
  });
}

/** `customerEmail`, `Customer-Email` and `customer_email` all read as customer_email. */
export function snakeName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '').toLowerCase();
}

const round = (n: number) => Math.round(n * 100) / 100;

export function classifyColumn(name: string, values: readonly (string | null)[], rules: readonly CompiledRule[]): Classification[] {
  const column = snakeName(name);
  const present = values.filter((v): v is string => v !== null && v.trim() !== '').map((v) => v.trim());
  const scored: (Classification & { valueScore: number; byName: boolean })[] = [];
  for (const rule of rules) {
    const byName = rule.names.some((re) => re.test(column));
    let nameScore = byName ? rule.nameConfidence : 0;
    let valueScore = 0;
    if (rule.pattern !== null && present.length >= MIN_VALUES) {
      const pattern = rule.pattern;
      const shaped = present.filter((v) => pattern.test(v));
      const share = (rule.check === null ? shaped.length : shaped.filter(rule.check).length) / present.length;
      if (share >= rule.minShare) valueScore = rule.valueConfidence * share;
      // Values not even shaped like the type weaken what the name suggests; values of the right
      // shape that fail a strict check (a phone stored as bare digits) leave the name standing.
      else if (shaped.length / present.length < 0.2) nameScore /= 2;
    }
    const confidence = 1 - (1 - nameScore) * (1 - valueScore);
    if (confidence <= 0) continue;
    const evidence = [...byName ? ['name'] : [], ...valueScore > 0 ? [rule.checked ? 'values+check' : 'values'] : []];
    scored.push({ type: rule.type, confidence: round(confidence), evidence, sensitive: rule.sensitive, valueScore, byName });
  }
  const best = Math.max(0, ...scored.map((s) => s.valueScore));
  return scored
    .filter((s) => s.confidence >= REPORT_THRESHOLD)
    .filter((s) => s.byName || s.valueScore >= best - 0.05)
    .sort((a, b) => b.confidence - a.confidence)
    .map(({ type, confidence, evidence, sensitive }) => ({ type, confidence, evidence, sensitive }));
}
