/**
 * `port: ${env:PGPORT}` substitutes text, but the field wants a number. Convert such values
 * to the type the schema asks for, and only those: a number or boolean typed in the file is
 * left alone, so `password: 0123` is reported rather than silently read as "123".
 */
import { Value } from '@sinclair/typebox/value';
export function coerceSubstituted(schema, tree, paths) {
    if (paths.length === 0)
        return;
    const converted = Value.Convert(schema, structuredClone(tree));
    for (const path of paths) {
        const value = valueAt(converted, path);
        if (typeof value === 'number' || typeof value === 'boolean')
            setAt(tree, path, value);
    }
}
function valueAt(tree, path) {
    let node = tree;
    for (const segment of path) {
        if (node === null || typeof node !== 'object')
            return undefined;
        node = node[segment];
    }
    return node;
}
function setAt(tree, path, value) {
    const parent = valueAt(tree, path.slice(0, -1));
    const key = path[path.length - 1];
    if (parent !== null && typeof parent === 'object' && key !== undefined)
        parent[key] = value;
}
//# sourceMappingURL=coerce.js.map