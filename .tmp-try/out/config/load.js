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
import { ConfigSchema } from './schema.js';
import { schemaIssues } from './schema-issues.js';
import { substituteReferences } from './references.js';
import { defaultResolvers } from './resolvers.js';
import { coerceSubstituted } from './coerce.js';
import { resolveConfig } from './resolve.js';
/** Read and validate a config file; throws ConfigError listing every issue found. */
export async function loadConfig(path, options = {}) {
    let text;
    try {
        text = await readFile(path, 'utf8');
    }
    catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new ConfigError(`${path}: cannot read the configuration file`, [`cannot read the file: ${reason}`]);
    }
    return parseConfig(text, path, { baseDir: dirname(resolve(path)), ...options });
}
/** Validate configuration text; `origin` names it in the error (a path, or e.g. "<admin API>"). */
export async function parseConfig(text, origin, options = {}) {
    const fail = (issues) => new ConfigError(`${origin}: invalid configuration`, issues);
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
    let parsed;
    try {
        parsed = doc.toJS({ maxAliasCount: 100 });
    }
    catch (err) {
        // yaml refuses alias bombs here, after parsing succeeded.
        throw fail([err instanceof Error ? err.message : String(err)]);
    }
    const substitution = await substituteReferences(parsed, { ...defaultResolvers, ...options.resolvers }, {
        env: options.env ?? process.env,
        baseDir: options.baseDir ?? process.cwd(),
    });
    if (substitution.issues.length > 0)
        throw fail(substitution.issues);
    const tree = substitution.value;
    coerceSubstituted(ConfigSchema, tree, substitution.substituted);
    if (!Value.Check(ConfigSchema, tree))
        throw fail(schemaIssues(ConfigSchema, tree));
    const { config, issues } = resolveConfig(tree);
    if (issues.length > 0)
        throw fail(issues);
    return config;
}
//# sourceMappingURL=load.js.map