import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { CatalogStore } from '../../src/discovery/catalog/store.js';
import { catalogView, searchCatalog } from '../../src/discovery/catalog/view.js';
import { DiscoveryService } from '../../src/discovery/service.js';
import { PG_HOST, PG_PORT, adminQuery } from '../helpers/postgres.js';

const DB = `sluice_discovery_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-discovery-pg-'));

async function inDb(sql: string): Promise<void> {
  const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: 'postgres', database: DB });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const SEED = `
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id serial PRIMARY KEY, email text NOT NULL UNIQUE, full_name text, phone text, created_at timestamptz DEFAULT now());
COMMENT ON TABLE shop.customers IS 'People who buy';
COMMENT ON COLUMN shop.customers.email IS 'login name';
CREATE TABLE shop.orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES shop.customers (id), card_number text, total numeric(10,2), client_ip inet);
CREATE TABLE shop.reviews (id serial PRIMARY KEY, customer_id int, body text);
CREATE INDEX reviews_customer ON shop.reviews (customer_id);
CREATE VIEW shop.big_orders AS SELECT id, total FROM shop.orders WHERE total > 100;
CREATE VIEW shop.broken AS SELECT 1 / 0 AS x;
CREATE TABLE shop.events (id int, at date NOT NULL, payload text) PARTITION BY RANGE (at);
CREATE TABLE shop.events_2026 PARTITION OF shop.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO shop.customers (email, full_name, phone)
  SELECT 'user' || g || '@example.com', (ARRAY['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra'])[1 + g % 4], '+44 20 7946 ' || lpad(g::text, 4, '0')
  FROM generate_series(1, 60) g;
INSERT INTO shop.orders (customer_id, card_number, total, client_ip)
  SELECT 1 + g % 60, (ARRAY['4111111111111111', '5500005555555559', '340000000000009', '6011000000000004'])[1 + g % 4], g * 3.5, ('10.0.' || g % 250 || '.' || g % 200)::inet
  FROM generate_series(1, 200) g;
INSERT INTO shop.reviews (customer_id, body) SELECT 1 + g % 50, 'fine' FROM generate_series(1, 80) g;
ANALYZE;
`;

const yaml = `
sources:
  shop:
    kind: postgres
    database: ${DB}
    hosts: [{ host: ${PG_HOST}, port: ${PG_PORT} }]
    users: [{ name: postgres, password: unused }]
discovery:
  catalog: ${join(dir, 'catalog.db')}
  strategy: aggressive
  glossary: [{ term: revenue, synonyms: [total, amount] }]
`;

// The same runs with the catalog in PostgreSQL: a database of its own, dropped at the end.
const CATALOG_DB = `${DB}_catalog`;
const CATALOGS = { sqlite: join(dir, 'catalog.db'), postgres: `postgres://postgres@${PG_HOST}:${PG_PORT}/${CATALOG_DB}` };

t.before(async () => {
  await adminQuery(`DROP DATABASE IF EXISTS ${DB}`);
  await adminQuery(`DROP DATABASE IF EXISTS ${CATALOG_DB}`);
  await adminQuery(`CREATE DATABASE ${DB}`);
  await adminQuery(`CREATE DATABASE ${CATALOG_DB}`);
});

t.teardown(async () => {
  await adminQuery(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await adminQuery(`DROP DATABASE IF EXISTS ${CATALOG_DB} WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
});

for (const [backend, catalog] of Object.entries(CATALOGS)) t.test(`two runs with the catalog in ${backend}: catalog, classifications, relationships, then only the changes`, async (t) => {
  await inDb(`DROP SCHEMA IF EXISTS shop CASCADE; ${SEED}`);
  const config = await parseConfig(yaml.replace(CATALOGS.sqlite, catalog), 'test');
  const service = new DiscoveryService({
    config: () => config.discovery!, sources: () => config.sources, health: () => null, log: pino({ level: 'silent' }),
  });
  t.teardown(() => service.close());

  const first = await service.trigger('shop');
  await service.settled('shop');
  const run = (await service.run(first))!;
  t.equal(run.status, 'succeeded', run.error ?? '');
  t.equal(run.strategy, 'aggressive');
  t.match(run.skipped, [{ dataset: 'shop.broken', error: /division by zero/ }], 'a dataset the server refuses to sample is skipped, not fatal');

  const byId = new Map((await service.catalog.current('shop')).map((d) => [`${d.schema}.${d.name}`, d]));
  const customers = byId.get('shop.customers')!;
  t.equal(customers.kind, 'table');
  t.equal(customers.comment, 'People who buy');
  t.strictSame(customers.primaryKey, ['id']);
  t.strictSame(customers.uniqueKeys, [['email']]);
  t.match(customers.fields.find((f) => f.name === 'email'), { type: 'text', nullable: false, comment: 'login name' });
  t.match(customers.fields.find((f) => f.name === 'id')?.default, /nextval/);
  t.ok((customers.rowEstimate ?? 0) > 0, 'row estimate from reltuples after ANALYZE');
  t.strictSame(byId.get('shop.orders')!.foreignKeys.map((f) => [f.columns, f.refDataset, f.refColumns]), [[['customer_id'], 'shop.customers', ['id']]]);
  t.ok(byId.get('shop.reviews')!.indexes.some((i) => i.name === 'reviews_customer' && i.method === 'btree'));
  t.equal(byId.get('shop.big_orders')!.kind, 'view');
  t.strictSame(byId.get('shop.events')!.partitions, ['shop.events_2026']);
  t.notOk(byId.has('shop.events_2026'), 'partitions are listed under their parent');

  const types = async (dataset: string, field: string) => (await service.catalog.analysis('shop', dataset))?.fields[field]?.classifications.map((c) => c.type) ?? [];
  t.ok((await types('shop.customers', 'email')).includes('email'));
  t.ok((await types('shop.customers', 'phone')).includes('phone'));
  t.ok((await types('shop.customers', 'full_name')).includes('person_name'));
  t.ok((await types('shop.orders', 'card_number')).includes('credit_card'));
  t.ok((await types('shop.orders', 'client_ip')).includes('ipv4'));
  t.ok((await types('shop.orders', 'total')).includes('glossary:revenue'));
  const profile = (await service.catalog.analysis('shop', 'shop.orders'))?.fields['total']?.profile;
  t.match(profile, { nullRatio: 0, min: 3.5, max: 700 });
  t.strictSame((await service.catalog.analysis('shop', 'shop.customers'))?.fields['email']?.profile?.topValues, [], 'sensitive columns keep no top values');

  const rels = await service.catalog.relationships('shop');
  t.ok(rels.some((r) => r.declared && r.from.dataset === 'shop.orders' && r.to.dataset === 'shop.customers'));
  const inferred = rels.find((r) => !r.declared && r.from.dataset === 'shop.reviews');
  t.match(inferred, { to: { dataset: 'shop.customers', columns: ['id'] }, from: { columns: ['customer_id'] } });
  t.ok(inferred!.confidence >= 0.9, `inferred confidence ${inferred!.confidence}`);
  t.match(await searchCatalog(service.catalog, 'credit_card', 50), [{ source: 'shop', dataset: 'shop.orders', fields: ['card_number'] }], 'search finds columns by classification');
  const view = (await catalogView(service.catalog, 'shop')).datasets.find((d) => d.name === 'shop.customers')!;
  t.equal(view.relationships.length, 2, 'the declared and the inferred key both end at customers');

  await inDb(`ALTER TABLE shop.customers ADD COLUMN date_of_birth date;
    UPDATE shop.customers SET date_of_birth = date '1970-01-01' + id * 97;
    ALTER TABLE shop.orders ALTER COLUMN card_number TYPE varchar(19);
    CREATE TABLE shop.coupons (code text PRIMARY KEY, iban text);
    INSERT INTO shop.coupons VALUES ('A', 'GB82WEST12345698765432'), ('B', 'DE89370400440532013000'), ('C', 'NL91ABNA0417164300'), ('D', 'FR1420041010050500013M02606'), ('E', 'GB33BUKB20201555555555');
    DROP TABLE shop.reviews;
    ANALYZE;`);
  const second = await service.trigger('shop', 'conservative');
  await service.settled('shop');
  const run2 = (await service.run(second))!;
  t.equal(run2.status, 'succeeded', run2.error ?? '');
  t.equal(run2.strategy, 'conservative');
  t.strictSame(run2.skipped, [], 'conservative runs do not sample views');
  t.equal(run2.profiled, 3, 'customers, orders and coupons re-profiled; unchanged tables not');
  const changes = (await service.catalog.changes('shop', 0, 100)).filter((c) => c.runId === second);
  const find = (kind: string, dataset: string, field: string | null = null) => changes.find((c) => c.kind === kind && c.dataset === dataset && c.field === field);
  t.match(find('field_added', 'shop.customers', 'date_of_birth'), { before: null, after: { type: 'date', nullable: true } });
  t.match(find('field_changed', 'shop.orders', 'card_number'), { before: { type: 'text' }, after: { type: 'character varying(19)' } });
  t.ok(find('dataset_added', 'shop.coupons'));
  t.ok(find('dataset_removed', 'shop.reviews'));
  t.ok((await types('shop.customers', 'date_of_birth')).includes('date_of_birth'));
  t.ok((await types('shop.coupons', 'iban')).includes('iban'));
  t.notOk((await service.catalog.current('shop')).some((d) => d.name === 'reviews'));
});

t.test('a source that cannot be reached fails the run with a typed code and keeps the catalog', async (t) => {
  // A port that was just free: bound, then closed, so nothing listens on it.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const config = await parseConfig(yaml.replace(`port: ${PG_PORT}`, `port: ${port}`).replace('catalog.db', 'down.db'), 'test');
  const service = new DiscoveryService({ config: () => config.discovery!, sources: () => config.sources, health: () => null, log: pino({ level: 'silent' }) });
  t.teardown(() => service.close());
  const id = await service.trigger('shop');
  await service.settled('shop');
  t.match(await service.run(id), { status: 'failed', error: /^SLUICE_DISCOVERY_CONNECT: discovery could not connect to 127\.0\.0\.1:\d+ for source "shop"/ });
  t.strictSame(await service.catalog.current('shop'), []);
});

t.test('a host whose health is down holds the run until it is cancelled', async (t) => {
  const config = await parseConfig(yaml.replace('catalog.db', 'held.db'), 'test');
  let gated = (): void => {};
  const reachedGate = new Promise<void>((resolve) => { gated = resolve; });
  const service = new DiscoveryService({
    config: () => config.discovery!, sources: () => config.sources, log: pino({ level: 'silent' }),
    health: () => {
      gated();
      return { state: 'down', role: 'primary', latencyEwma: 1, inFlight: 0, lagSeconds: null };
    },
  });
  const id = await service.trigger('shop');
  await reachedGate;
  t.equal((await service.run(id))!.status, 'running');
  await service.close();
  const catalog = CatalogStore.open(config.discovery!.catalog);
  t.teardown(() => catalog.close());
  t.match(await catalog.run(id), { status: 'failed', error: /^SLUICE_DISCOVERY_CANCELLED/ });
});
