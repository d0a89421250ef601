import { formatPath, showValue } from './issue-text.js';
export function diffConfig(before, after) {
    const changes = [];
    walk(before, after, [], changes);
    return changes;
}
function walk(before, after, path, changes) {
    if (Object.is(before, after))
        return;
    const where = formatPath(path);
    if (before === undefined)
        return void changes.push(`${where}: added`);
    if (after === undefined)
        return void changes.push(`${where}: removed`);
    if (isContainer(before) && isContainer(after) && Array.isArray(before) === Array.isArray(after)) {
        const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
        for (const key of keys) {
            const segment = Array.isArray(before) ? Number(key) : key;
            walk(field(before, key), field(after, key), [...path, segment], changes);
        }
        return;
    }
    const shownBefore = showValue(before, path);
    changes.push(shownBefore === '[redacted]' ? `${where}: changed` : `${where}: ${shownBefore} → ${showValue(after, path)}`);
}
function isContainer(value) {
    return value !== null && typeof value === 'object';
}
function field(container, key) {
    return container[key];
}
//# sourceMappingURL=diff.js.map