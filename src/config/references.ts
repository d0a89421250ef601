/**
 * `${scheme:argument}` references inside string values, substituted before validation so a
 * secret never has to sit in the file. Each scheme is one resolver in a map, so later
 * providers (`${secret:...}`, `${vault:...}`) plug in without touching the walker.
 * `$${` writes a literal `${`. Substituted text is never scanned again, so a secret that
 * happens to contain `${` stays as it is.
 */
import type { KeyPath } from './issue-text.js';
import { formatPath } from './issue-text.js';

export interface ReferenceContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative `${file:...}` paths start here: the config file's directory. */
  readonly baseDir: string;
}

/** Returns the text for one reference, or throws an Error whose message says what is wrong. */
export type ReferenceResolver = (argument: string, context: ReferenceContext) => string | Promise<string>;

export type ReferenceResolvers = Readonly<Record<string, ReferenceResolver>>;

export interface Substitution {
  readonly value: unknown;
  /** Paths of the strings that held at least one reference (they may need type coercion). */
  readonly substituted: readonly KeyPath[];
  readonly issues: readonly string[];
}

const TOKEN = /\$\$\{|\$\{([^}]*)(\}?)/g;
const REFERENCE = /^([a-z][a-z0-9_-]*):(.*)$/s;

/** A copy of `tree` with every reference in its string values replaced. */
export async function substituteReferences(tree: unknown, resolvers: ReferenceResolvers, context: ReferenceContext): Promise<Substitution> {
  const substituted: KeyPath[] = [];
  const issues: string[] = [];

  async function visit(node: unknown, path: KeyPath): Promise<unknown> {
    if (typeof node === 'string') return node.includes('${') ? substituteString(node, path) : node;
    if (Array.isArray(node)) {
      const items: unknown[] = [];
      for (const [index, item] of node.entries()) items.push(await visit(item, [...path, index]));
      return items;
    }
    if (node !== null && typeof node === 'object') {
      const entries: [string, unknown][] = [];
      for (const [key, item] of Object.entries(node)) entries.push([key, await visit(item, [...path, key])]);
      // fromEntries defines own properties, so a `__proto__` key stays a key (and is reported as unknown).
      return Object.fromEntries(entries);
    }
    return node;
  }

  async function substituteString(text: string, path: KeyPath): Promise<string> {
    let out = '';
    let last = 0;
    let referenced = false;
    for (const match of text.matchAll(TOKEN)) {
      out += text.slice(last, match.index);
      last = match.index + match[0].length;
      if (match[0] === '$${') {
        out += '${';
        continue;
      }
      referenced = true;
      out += await resolveOne(match[1] ?? '', match[2] === '}', path);
    }
    if (referenced) substituted.push(path);
    return out + text.slice(last);
  }

  async function resolveOne(body: string, closed: boolean, path: KeyPath): Promise<string> {
    const written = `\${${body}${closed ? '}' : ''}`;
    const schemes = Object.keys(resolvers).map((scheme) => `\${${scheme}:...}`).join(', ');
    const parsed = REFERENCE.exec(body);
    const scheme = parsed?.[1] ?? '';
    const resolver = Object.hasOwn(resolvers, scheme) ? resolvers[scheme] : undefined;
    let problem: string;
    if (!closed) problem = `unterminated reference ${written}; expected \${scheme:argument} (write $\${ for a literal \${)`;
    else if (!parsed) problem = `reference ${written} has no scheme; expected one of ${schemes}, e.g. \${env:${body || 'NAME'}} (write $\${ for a literal \${)`;
    else if (!resolver) problem = `unknown reference scheme in ${written}; expected one of ${schemes} (write $\${ for a literal \${)`;
    else {
      try {
        return await resolver(parsed[2] ?? '', context);
      } catch (err) {
        problem = `${err instanceof Error ? err.message : String(err)} (referenced as ${written})`;
      }
    }
    issues.push(`${formatPath(path)}: ${problem}`);
    return written;
  }

  const value = await visit(tree, []);
  return { value, substituted, issues };
}
