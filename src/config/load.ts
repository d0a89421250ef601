/**
 * Reading a configuration: YAML → references substituted → schema-checked → resolved.
 * Each stage reports every issue it finds; a later stage runs only on a clean earlier one,
 * so an operator never sees complaints that are echoes of an earlier mistake.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import type { SluiceConfig } from './types.js';
import { ConfigSchema } from './schema.js';
import { schemaIssues } from './schema-issues.js';
import { substituteReferences, type ReferenceResolvers } from './references.js';
import { defaultResolvers } from './resolvers.js';
import { coerceSubstituted } from './coerce.js';
import { resolveConfig } from './resolve.js';
import { openSecretSection } from './secret-section.js';
import type { SecretBackends } from '../auth/secrets/backends/secret-backends.js';

export interface LoadOptions {
  /** Variables for `${env:NAME}`; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Extra or replacement reference schemes, merged over the built-in env and file. */
  resolvers?: ReferenceResolvers;
  /** Where relative `${file:...}` paths start; loadConfig uses the config file's directory. */
  baseDir?: string;
}

/** Read and validate a config file; throws ConfigError listing every issue found. */
export async function loadConfig(path: string, options: LoadOptions = {}): Promise<SluiceConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${path}: cannot read the configuration file`, [`cannot read the file: ${reason}`]);
  }
  return parseConfig(text, path, { baseDir: dirname(resolve(path)), ...options });
}

/** Validate configuration text; `origin` names it in the error (a path, or e.g. "<admin API>"). */
export async function parseConfig(text: string, origin: string, options: LoadOptions = {}): Promise<SluiceConfig> {
  const { config, backends } = await configFromTree(parseConfigTree(text, origin), origin, options);
  // A one-off load keeps no lease renewals or clients; LiveConfig is the one that refreshes.
  backends.close();
  return config;
}

/** The YAML document as plain data, before references are substituted. */
export function parseConfigTree(text: string, origin: string): unknown {
  const fail = (issues: readonly string[]) => new ConfigError(`${origin}: invalid configuration`, issues);

  // Merge keys (<<: *pool_defaults) let many sources share settings without repeating them.
  const lines = new LineCounter();
  const doc = parseDocument(text, { merge: true, prettyErrors: false, lineCounter: lines });
  const yamlProblems = [...doc.errors, ...doc.warnings];
  if (yamlProblems.length > 0) {
    throw fail(yamlProblems.map((problem) => {
      const at = lines.linePos(problem.pos[0]);
      return `line ${at.line}, column ${at.col}: ${problem.message}`;
    }));
  }

  let parsed: unknown;
  try {
    parsed = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // yaml refuses alias bombs here, after parsing succeeded.
    throw fail([err instanceof Error ? err.message : String(err)]);
  }
  return parsed;
}

/**
 * References substituted (the `secrets:` section first, see secret-section.ts), then checked
 * and resolved. `current` backends are kept when the section is unchanged (reload, refresh).
 */
export async function configFromTree(tree: unknown, origin: string, options: LoadOptions = {}, current?: SecretBackends): Promise<{ config: SluiceConfig; backends: SecretBackends }> {
  const fail = (issues: readonly string[]) => new ConfigError(`${origin}: invalid configuration`, issues);
  const local = { ...defaultResolvers, ...options.resolvers };
  const context = { env: options.env ?? process.env, baseDir: options.baseDir ?? process.cwd() };
  const section = await openSecretSection(tree, local, context, current);
  if (section.issues !== undefined) throw fail(section.issues);
  const backends = section.backends;
  try {
    backends.schedule.beginPass();
    const substitution = await substituteReferences(tree, { ...defaultResolvers, ...backends.resolvers, ...options.resolvers }, context);
    backends.schedule.endPass();
    if (substitution.issues.length > 0) throw fail(substitution.issues);
    const substituted = substitution.value;
    coerceSubstituted(ConfigSchema, substituted, substitution.substituted);

    if (!Value.Check(ConfigSchema, substituted)) throw fail(schemaIssues(ConfigSchema, substituted));
    const { config, issues } = resolveConfig(substituted);
    if (issues.length > 0) throw fail(issues);
    return { config, backends };
  } catch (err) {
    if (backends !== current) backends.close();
    throw err;
  }
}
