/**
 * The catalog as the API shows it: each current dataset with its fields' profiles and
 * classifications joined in, and the source's relationships.
 */
import { datasetId, type DatasetInfo, type Relationship } from '../types.js';
import type { FieldAnalysis } from './records.js';
import type { CatalogStore } from './store.js';

export interface CatalogDatasetView extends Omit<DatasetInfo, 'fields' | 'name'> {
  /** `schema.name`. */
  name: string;
  table: string;
  fields: (DatasetInfo['fields'][number] & FieldAnalysis)[];
  /** The source's relationships that start or end at this dataset. */
  relationships: Relationship[];
}

export async function catalogView(store: CatalogStore, source: string): Promise<{ source: string; datasets: CatalogDatasetView[]; relationships: Relationship[] }> {
  const relationships = await store.relationships(source);
  const datasets = await Promise.all((await store.current(source)).map(async (d) => {
    const id = datasetId(d);
    const analysis = (await store.analysis(source, id))?.fields ?? {};
    return {
      ...d,
      name: id,
      table: d.name,
      fields: d.fields.map((f) => ({ ...f, profile: analysis[f.name]?.profile ?? null, classifications: analysis[f.name]?.classifications ?? [] })),
      relationships: relationships.filter((r) => r.from.dataset === id || r.to.dataset === id),
    };
  }));
  return { source, datasets, relationships };
}

/**
 * Datasets and fields across sources whose names, types, comments or classifications contain
 * `q`: `q=email` finds columns called email and columns whose values are e-mail addresses.
 */
export async function searchCatalog(store: CatalogStore, q: string, limit: number): Promise<{ source: string; dataset: string; kind: string; fields: string[] }[]> {
  const needle = q.toLowerCase();
  const has = (text: string | null) => text !== null && text.toLowerCase().includes(needle);
  return (await store.search(q, limit)).flatMap(({ source, dataset, analysis }) => {
    const classified = (name: string) => (analysis?.[name]?.classifications ?? []).some((c) => has(c.type));
    const fields = dataset.fields.filter((f) => has(f.name) || has(f.type) || has(f.comment) || classified(f.name)).map((f) => f.name);
    const hit = fields.length > 0 || has(datasetId(dataset)) || has(dataset.comment);
    return hit ? [{ source, dataset: datasetId(dataset), kind: dataset.kind, fields }] : [];
  });
}
