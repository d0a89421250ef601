/**
 * Profiles and classifies one dataset's sample. Called inline by the run, which is already in
 * its own worker thread (run-worker), so regex and counting work over thousands of values
 * never runs on the proxy's event loop.
 */
import { classifyColumn, compileRules, type CompiledRule } from './classify/classifier.js';
import type { ClassificationRule } from './classify/rules.js';
import type { FieldAnalysis } from './catalog/records.js';
import { profileColumn } from './profile/profiler.js';

export interface AnalysisTask {
  fields: { name: string; type: string }[];
  /** Column-major, as DatasetSample. */
  values: (string | null)[][];
  rowEstimate: number | null;
  rules: ClassificationRule[];
  /** Top values reveal data; a profile of a column classified as sensitive keeps none. */
  redactSensitive: boolean;
}

let compiled: { from: string; rules: CompiledRule[] } | null = null;

function rulesFor(rules: ClassificationRule[]): CompiledRule[] {
  const key = JSON.stringify(rules);
  if (compiled?.from !== key) compiled = { from: key, rules: compileRules(rules) };
  return compiled.rules;
}

export function analyse(task: AnalysisTask): Record<string, FieldAnalysis> {
  const rules = rulesFor(task.rules);
  const out: Record<string, FieldAnalysis> = {};
  task.fields.forEach((f, i) => {
    const values = task.values[i] ?? [];
    const classifications = classifyColumn(f.name, values, rules);
    const profile = values.length === 0 ? null : profileColumn(values, f.type, task.rowEstimate);
    if (profile && task.redactSensitive && classifications.some((c) => c.sensitive)) {
      profile.topValues = [];
      profile.min = null;
      profile.max = null;
    }
    out[f.name] = { profile, classifications };
  });
  return out;
}

