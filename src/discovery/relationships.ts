/**
 * Relationships: the declared foreign keys, plus ones inferred from names and types
 * (`orders.customer_id` → `customers.id`) that the runner then checks by value containment:
 * how many of the child's sampled values exist in the parent's key.
 */
import { snakeName } from './classify/classifier.js';
import { datasetId, type DatasetInfo, type FieldInfo, type Relationship } from './types.js';

export interface Candidate {
  child: DatasetInfo;
  column: string;
  parent: DatasetInfo;
  parentColumn: string;
  sameSchema: boolean;
}

export function declaredRelationships(datasets: readonly DatasetInfo[]): Relationship[] {
  return datasets.flatMap((d) => d.foreignKeys.map((fk) => ({
    from: { dataset: datasetId(d), columns: fk.columns },
    to: { dataset: fk.refDataset, columns: fk.refColumns },
    declared: true, confidence: 1, evidence: [`foreign key ${fk.name}`],
  })));
}

/** Type families that can hold the same key values. */
export function typeFamily(type: string): string {
  const t = type.toLowerCase();
  if (/uuid|uniqueidentifier/.test(t)) return 'uuid';
  if (/int|serial/.test(t)) return 'integer';
  // Snowflake reports every fixed-point column, INTEGER included, as NUMBER(p,s).
  if (/numeric|decimal|number/.test(t)) return 'numeric';
  if (/char|text|string/.test(t)) return 'text';
  return t;
}

/** Plural and singular spellings a table for `base` may have. */
function tableNames(base: string): Set<string> {
  const names = new Set([base, `${base}s`, `${base}es`]);
  if (base.endsWith('y')) names.add(`${base.slice(0, -1)}ies`);
  return names;
}

function singleKey(d: DatasetInfo): FieldInfo | null {
  const key = d.primaryKey.length === 1 ? d.primaryKey : d.uniqueKeys.find((u) => u.length === 1);
  return key ? d.fields.find((f) => f.name === key[0]) ?? null : null;
}

interface KeyedTable { d: DatasetInfo; key: FieldInfo; order: number }

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Candidates by name and type. Keyed tables are indexed by their snake-case name and by their
 * key's name, so each column costs a few map lookups: comparing every column with every
 * table blocked the event loop for minutes on a 10,000-table schema.
 */
export function inferCandidates(datasets: readonly DatasetInfo[]): Candidate[] {
  const tables = datasets.filter((d) => d.kind !== 'key_pattern' && d.kind !== 'view');
  const byTableName = new Map<string, KeyedTable[]>();
  // A column spelled exactly as another table's distinctive key (customer_code, not id) points at it.
  const byKeyName = new Map<string, KeyedTable[]>();
  let order = 0;
  for (const d of tables) {
    const key = singleKey(d);
    if (!key) continue;
    const keyed = { d, key, order: order++ };
    push(byTableName, snakeName(d.name), keyed);
    const keyName = snakeName(key.name);
    if (keyName !== 'id') push(byKeyName, keyName, keyed);
  }
  const out: Candidate[] = [];
  for (const child of tables) {
    const declared = new Set(child.foreignKeys.flatMap((fk) => fk.columns));
    const ownKey = singleKey(child);
    for (const f of child.fields) {
      if (declared.has(f.name) || f.name === ownKey?.name) continue;
      const column = snakeName(f.name);
      const base = /^(.+?)_?id$/.exec(column)?.[1]?.replace(/_$/, '');
      const parents = new Set(byKeyName.get(column));
      if (base !== undefined) for (const name of tableNames(base)) for (const p of byTableName.get(name) ?? []) parents.add(p);
      const family = typeFamily(f.type);
      for (const p of [...parents].sort((a, b) => a.order - b.order)) {
        if (p.d === child || typeFamily(p.key.type) !== family) continue;
        out.push({ child, column: f.name, parent: p.d, parentColumn: p.key.name, sameSchema: p.d.schema === child.schema });
      }
    }
  }
  return out;
}

/** Confidence of an inferred key from its name/type match and the containment ratio (null: not checked). */
export function inferredRelationship(c: Candidate, containment: number | null, checked: number): Relationship {
  const evidence = ['name', 'type', ...c.sameSchema ? ['same schema'] : []];
  let confidence = 0.4 + (c.sameSchema ? 0.1 : 0);
  if (containment !== null) {
    evidence.push(`${Math.round(containment * 100)}% of ${checked} sampled values found in ${datasetId(c.parent)}.${c.parentColumn}`);
    confidence = containment >= 0.9 ? confidence + 0.5 * containment : confidence * containment;
  }
  return {
    from: { dataset: datasetId(c.child), columns: [c.column] },
    to: { dataset: datasetId(c.parent), columns: [c.parentColumn] },
    declared: false, confidence: Math.round(confidence * 100) / 100, evidence,
  };
}
