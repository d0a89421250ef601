/**
 * The `discovery:` configuration section: its YAML schema, its resolved shape and the
 * resolution step. Kept here, beside its only reader; src/config includes it with one line
 * in each of schema.ts, types.ts and resolve.ts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DURATION_FORM, DURATION_PATTERN, parseDuration } from '../config/duration.js';
import { formatPath } from '../config/issue-text.js';
import { ConfigError } from '../errors.js';
import { CHECK_NAMES, type CheckName } from './classify/checks.js';
import { compileRules } from './classify/classifier.js';
import { glossaryRule, type ClassificationRule, type GlossaryTerm } from './classify/rules.js';
import { STRATEGIES, type StrategyName } from './strategy.js';

const closed = { additionalProperties: false } as const;
const Duration = (fallback: string | number) => Type.Union([Type.String({ pattern: DURATION_PATTERN }), Type.Number({ minimum: 0 })], { expected: DURATION_FORM, default: fallback });
const Strategy = Type.Unsafe<StrategyName>(Type.Union(STRATEGIES.map((s) => Type.Literal(s)), { expected: STRATEGIES.join(', ') }));
const Check = Type.Unsafe<CheckName>(Type.Union(CHECK_NAMES.map((c) => Type.Literal(c)), { expected: CHECK_NAMES.join(', ') }));

/** `:memory:` and `file::memory:…`, as better-sqlite3 and SQLite read them. */
const IN_MEMORY_SQLITE = /^(:memory:|file::memory:)/;

export const DISCOVERY_DEFAULTS = { catalog: 'sluice-catalog.db', strategy: 'balanced', schedule: 0, redact_sensitive: true } as const;

export const DiscoverySchema = Type.Object({
  catalog: Type.Optional(Type.String({ minLength: 1, default: DISCOVERY_DEFAULTS.catalog })),
  strategy: Type.Optional(Strategy),
  schedule: Type.Optional(Duration(DISCOVERY_DEFAULTS.schedule)),
  redact_sensitive: Type.Optional(Type.Boolean({ default: DISCOVERY_DEFAULTS.redact_sensitive })),
  sources: Type.Optional(Type.Record(Type.String(), Type.Object({
    enabled: Type.Optional(Type.Boolean({ default: true })),
    strategy: Type.Optional(Strategy),
    schedule: Type.Optional(Duration(0)),
  }, closed))),
  rules: Type.Optional(Type.Array(Type.Object({
    type: Type.String({ minLength: 1 }),
    names: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    pattern: Type.Optional(Type.String({ minLength: 1 })),
    check: Type.Optional(Check),
    min_share: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    name_confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    value_confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    sensitive: Type.Optional(Type.Boolean({ default: true })),
  }, closed))),
  glossary: Type.Optional(Type.Array(Type.Object({
    term: Type.String({ minLength: 1 }),
    synonyms: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    patterns: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  }, closed))),
}, closed);

export type RawDiscovery = Static<typeof DiscoverySchema>;

export interface DiscoverySourceConfig {
  enabled: boolean;
  strategy: StrategyName;
  /** Milliseconds between scheduled runs; 0: on demand only. */
  schedule: number;
}

export interface DiscoveryConfig {
  /**
   * Where the catalog lives: a SQLite file (relative to the working directory), or a
   * `postgres://` / `postgresql://` URL of a PostgreSQL database.
   */
  catalog: string;
  strategy: StrategyName;
  schedule: number;
  /** Profiles of columns classified as sensitive keep no top values, min or max. */
  redact_sensitive: boolean;
  /** Every configured source, filled from the defaults where `sources` does not name it. */
  sources: Record<string, DiscoverySourceConfig>;
  rules: ClassificationRule[];
  glossary: GlossaryTerm[];
}

/** Resolves the section; problems are pushed onto `issues` as the rest of the config does. */
export function resolveDiscovery(raw: RawDiscovery, sourceNames: readonly string[], issues: string[]): DiscoveryConfig {
  const ms = (value: string | number, path: (string | number)[]) => {
    try {
      return parseDuration(value, formatPath(path));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.issues);
      return 0;
    }
  };
  const strategy = raw.strategy ?? DISCOVERY_DEFAULTS.strategy;
  const schedule = ms(raw.schedule ?? DISCOVERY_DEFAULTS.schedule, ['discovery', 'schedule']);
  for (const name of Object.keys(raw.sources ?? {})) {
    if (!sourceNames.includes(name)) issues.push(`${formatPath(['discovery', 'sources', name])}: no source named ${JSON.stringify(name)}; discovery settings must name a source under sources`);
  }
  const sources: Record<string, DiscoverySourceConfig> = {};
  for (const name of sourceNames) {
    const s = raw.sources?.[name];
    sources[name] = {
      enabled: s?.enabled ?? true,
      strategy: s?.strategy ?? strategy,
      schedule: s?.schedule === undefined ? schedule : ms(s.schedule, ['discovery', 'sources', name, 'schedule']),
    };
  }
  const rules: ClassificationRule[] = (raw.rules ?? []).map((r) => ({
    type: r.type,
    ...(r.names && { names: r.names }),
    ...(r.pattern !== undefined && { pattern: r.pattern }),
    ...(r.check !== undefined && { check: r.check }),
    ...(r.min_share !== undefined && { minShare: r.min_share }),
    ...(r.name_confidence !== undefined && { nameConfidence: r.name_confidence }),
    ...(r.value_confidence !== undefined && { valueConfidence: r.value_confidence }),
    ...(r.sensitive !== undefined && { sensitive: r.sensitive }),
  }));
  rules.forEach((rule, i) => {
    try {
      compileRules([rule]);
    } catch (err) {
      issues.push(`${formatPath(['discovery', 'rules', i])}: ${(err as Error).message}`);
    }
  });
  const glossary: GlossaryTerm[] = (raw.glossary ?? []).map((g) => ({ term: g.term, synonyms: g.synonyms ?? [], patterns: g.patterns ?? [] }));
  glossary.forEach((term, i) => {
    try {
      compileRules([glossaryRule(term)]);
    } catch (err) {
      issues.push(`${formatPath(['discovery', 'glossary', i])}: ${(err as Error).message}`);
    }
  });
  const catalog = raw.catalog ?? DISCOVERY_DEFAULTS.catalog;
  // Each run's worker thread opens the catalog itself; an in-memory database would be its own, unseen by the API.
  if (IN_MEMORY_SQLITE.test(catalog)) issues.push(`${formatPath(['discovery', 'catalog'])}: an in-memory SQLite catalog cannot be shared with discovery's worker threads; name a file or a postgres:// URL`);
  return { catalog, strategy, schedule, redact_sensitive: raw.redact_sensitive ?? DISCOVERY_DEFAULTS.redact_sensitive, sources, rules, glossary };
}
