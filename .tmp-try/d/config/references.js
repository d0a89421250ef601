import { formatPath } from './issue-text.js';
const TOKEN = /\$\$\{|\$\{([^}]*)(\}?)/g;
const REFERENCE = /^([a-z][a-z0-9_-]*):(.*)$/s;
/** A copy of `tree` with every reference in its string values replaced. */
export async function substituteReferences(tree, resolvers, context) {
    const substituted = [];
    const issues = [];
    async function visit(node, path) {
        if (typeof node === 'string')
            return node.includes('${') ? substituteString(node, path) : node;
        if (Array.isArray(node)) {
            const items = [];
            for (const [index, item] of node.entries())
                items.push(await visit(item, [...path, index]));
            return items;
        }
        if (node !== null && typeof node === 'object') {
            const copy = {};
            for (const [key, item] of Object.entries(node))
                copy[key] = await visit(item, [...path, key]);
            return copy;
        }
        return node;
    }
    async function substituteString(text, path) {
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
        if (referenced)
            substituted.push(path);
        return out + text.slice(last);
    }
    async function resolveOne(body, closed, path) {
        const written = `\${${body}${closed ? '}' : ''}`;
        const schemes = Object.keys(resolvers).map((scheme) => `\${${scheme}:...}`).join(', ');
        const parsed = REFERENCE.exec(body);
        const scheme = parsed?.[1] ?? '';
        const resolver = Object.hasOwn(resolvers, scheme) ? resolvers[scheme] : undefined;
        let problem;
        if (!closed)
            problem = `unterminated reference ${written}; expected \${scheme:argument} (write $\${ for a literal \${)`;
        else if (!parsed)
            problem = `reference ${written} has no scheme; expected one of ${schemes}, e.g. \${env:${body || 'NAME'}} (write $\${ for a literal \${)`;
        else if (!resolver)
            problem = `unknown reference scheme in ${written}; expected one of ${schemes} (write $\${ for a literal \${)`;
        else {
            try {
                return await resolver(parsed[2] ?? '', context);
            }
            catch (err) {
                problem = `${err instanceof Error ? err.message : String(err)} (referenced as ${written})`;
            }
        }
        issues.push(`${formatPath(path)}: ${problem}`);
        return written;
    }
    const value = await visit(tree, []);
    return { value, substituted, issues };
}
//# sourceMappingURL=references.js.map