import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.js';
import type { ConnectorLimits } from '../../src/discovery/connector.js';
import { connectSnowflake } from '../../src/discovery/connectors/snowflake.js';
import { DiscoveryService } from '../../src/discovery/service.js';
import { discoveryTarget } from '../../src/discovery/target.js';
import { startSnowflakeDouble, type SfTableModel } from '../doubles/snowflake.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const snowflake = await startSnowflakeDouble({ user: 'DISCOVERY', password: 'sesame', publicKeyPem: publicKey });
const dir = mkdtempSync(join(tmpdir(), 'sluice-discovery-sf-'));
t.teardown(async () => {
  await snowflake.close();
  rmSync(dir, { recursive: true, force: true });
});

const ids = Array.from({ length: 40 }, (_, i) => String(i + 1));
const customers: SfTableModel = {
  comment: 'People who buy',
  columns: [
    { name: 'ID', type: 'NUMBER', precision: 38, scale: 0, nullable: false },
    { name: 'EMAIL', type: 'TEXT', length: 254, nullable: false, comment: 'login name' },
    { name: 'FULL_NAME', type: 'TEXT', length: 100 },
    { name: 'CREATED_AT', type: 'TIMESTAMP_NTZ', default: 'CURRENT_TIMESTAMP()' },
  ],
  rows: ids.map((id, i) => [id, `user${id}@example.com`, ['Ada Lovelace', 'Alan Turing', 'Grace Hopper'][i % 3]!, '2026-01-01 10:00:00.000']),
  primaryKey: ['ID'],
  unique: [{ name: 'UQ_EMAIL', columns: ['EMAIL'] }],
};
const orders: SfTableModel = {
  columns: [
    { name: 'ID', type: 'NUMBER', precision: 38, scale: 0, nullable: false },
    { name: 'CUSTOMER_ID', type: 'NUMBER', precision: 38, scale: 0, nullable: false },
    { name: 'CARD_NUMBER', type: 'TEXT', length: 19 },
    { name: 'TOTAL', type: 'NUMBER', precision: 10, scale: 2 },
  ],
  rows: Array.from({ length: 60 }, (_, i) => [String(i + 1), ids[i % 40]!, ['4111111111111111', '5500005555555559', '6011000000000004'][i % 3]!, `${i}.50`]),
  primaryKey: ['ID'],
  foreignKeys: [{ name: 'FK_ORDERS_CUSTOMER', columns: ['CUSTOMER_ID'], ref: ['SHOP', 'PUBLIC', 'CUSTOMERS'], refColumns: ['ID'] }],
};
const orderLines: SfTableModel = {
  columns: [{ name: 'ORDER_ID', type: 'NUMBER', precision: 38, scale: 0, nullable: false }, { name: 'LINE', type: 'NUMBER', precision: 38, scale: 0, nullable: false }, { name: 'SKU', type: 'TEXT' }],
  rows: [['1', '1', 'A-1'], ['1', '2', 'B-2'], ['2', '1', 'A-1']],
  primaryKey: ['ORDER_ID', 'LINE'],
  foreignKeys: [{ name: 'FK_LINES_ORDER', columns: ['ORDER_ID'], ref: ['SHOP', 'PUBLIC', 'ORDERS'], refColumns: ['ID'] }],
};
// No declared key: the customer link is for relationship inference to find.
const reviews: SfTableModel = {
  columns: [{ name: 'ID', type: 'NUMBER', precision: 38, scale: 0 }, { name: 'CUSTOMER_ID', type: 'NUMBER', precision: 38, scale: 0 }, { name: 'BODY', type: 'TEXT' }],
  rows: Array.from({ length: 30 }, (_, i) => [String(i + 1), ids[i]!, 'fine']),
};
snowflake.model['SHOP'] = {
  PUBLIC: { CUSTOMERS: customers, ORDERS: orders, ORDER_LINES: orderLines, REVIEWS: reviews, BIG_ORDERS: { type: 'VIEW', columns: [{ name: 'ID', type: 'NUMBER', precision: 38, scale: 0 }], rows: [['7']] } },
};
snowflake.model['RAW'] = { LANDING: { EVENTS: { columns: [{ name: 'PAYLOAD', type: 'VARIANT' }], rows: [['{"a":1}']] } } };
snowflake.model['SNOWFLAKE'] = { ACCOUNT_USAGE: { QUERY_HISTORY: { columns: [{ name: 'QUERY_ID', type: 'TEXT' }], rows: [] } } };

const yaml = (auth: string, extra = '') => `
sources:
  warehouse:
    kind: snowflake
    account: myorg-acct
    access_url: ${snowflake.url}
    user: DISCOVERY
    ${auth}
    warehouse: DISCOVERY_WH
    role: GOVERNANCE
    ${extra}
discovery:
  catalog: ${join(dir, 'catalog.db')}
  strategy: aggressive
`;

const limits: ConnectorLimits = { statementTimeoutMs: 5000, maxValueLength: 64, scanCount: 100, sampleKeys: 100, sampleObjects: 1, sampleBytes: 1024, sampleRows: 100, pace: async () => {} };

t.test('two runs of a Snowflake account: tables, keys, relationships, then the changes', async (t) => {
  const config = await parseConfig(yaml('password: sesame', 'databases: [SHOP]'), 'test');
  const service = new DiscoveryService({ config: () => config.discovery!, sources: () => config.sources, health: () => null, log: pino({ level: 'silent' }) });
  t.teardown(() => service.close());

  const first = await service.trigger('warehouse');
  await service.settled('warehouse');
  const run = (await service.run(first))!;
  t.equal(run.status, 'succeeded', run.error ?? '');
  const byId = new Map((await service.catalog.current('warehouse')).map((d) => [`${d.schema}.${d.name}`, d]));
  t.strictSame([...byId.keys()].sort(), ['SHOP.PUBLIC.BIG_ORDERS', 'SHOP.PUBLIC.CUSTOMERS', 'SHOP.PUBLIC.ORDERS', 'SHOP.PUBLIC.ORDER_LINES', 'SHOP.PUBLIC.REVIEWS'], 'only the configured database');
  const c = byId.get('SHOP.PUBLIC.CUSTOMERS')!;
  t.match(c, { kind: 'table', comment: 'People who buy', rowEstimate: 40, primaryKey: ['ID'], uniqueKeys: [['EMAIL']] });
  t.strictSame(c.fields.map((f) => [f.name, f.type, f.nullable, f.position]), [['ID', 'NUMBER(38,0)', false, 1], ['EMAIL', 'TEXT(254)', false, 2], ['FULL_NAME', 'TEXT(100)', true, 3], ['CREATED_AT', 'TIMESTAMP_NTZ', true, 4]]);
  t.match(c.fields[1], { comment: 'login name' });
  t.equal(c.fields[3]!.default, 'CURRENT_TIMESTAMP()');
  t.strictSame(byId.get('SHOP.PUBLIC.ORDER_LINES')!.primaryKey, ['ORDER_ID', 'LINE'], 'SHOW rows put back in key_sequence order');
  t.strictSame(byId.get('SHOP.PUBLIC.ORDERS')!.foreignKeys, [{ name: 'FK_ORDERS_CUSTOMER', columns: ['CUSTOMER_ID'], refDataset: 'SHOP.PUBLIC.CUSTOMERS', refColumns: ['ID'] }]);
  t.match(byId.get('SHOP.PUBLIC.BIG_ORDERS'), { kind: 'view', rowEstimate: null });

  const types = async (dataset: string, field: string) => (await service.catalog.analysis('warehouse', dataset))?.fields[field]?.classifications.map((x) => x.type) ?? [];
  t.ok((await types('SHOP.PUBLIC.CUSTOMERS', 'EMAIL')).includes('email'));
  t.ok((await types('SHOP.PUBLIC.ORDERS', 'CARD_NUMBER')).includes('credit_card'));
  t.match((await service.catalog.analysis('warehouse', 'SHOP.PUBLIC.ORDERS'))?.fields['TOTAL']?.profile, { sampled: 60, min: 0.5, max: 59.5 });

  const rels = await service.catalog.relationships('warehouse');
  t.ok(rels.some((r) => r.declared && r.from.dataset === 'SHOP.PUBLIC.ORDERS' && r.to.dataset === 'SHOP.PUBLIC.CUSTOMERS'));
  t.ok(rels.some((r) => r.declared && r.from.dataset === 'SHOP.PUBLIC.ORDER_LINES' && r.to.dataset === 'SHOP.PUBLIC.ORDERS'));
  const inferred = rels.find((r) => !r.declared && r.from.dataset === 'SHOP.PUBLIC.REVIEWS');
  t.match(inferred, { to: { dataset: 'SHOP.PUBLIC.CUSTOMERS', columns: ['ID'] }, from: { columns: ['CUSTOMER_ID'] } });
  t.ok(inferred!.confidence >= 0.9, `inferred confidence ${inferred!.confidence}`);
  t.ok(snowflake.statements.some((s) => /^SELECT COUNT\(DISTINCT "ID"\) FROM "SHOP"\."PUBLIC"\."CUSTOMERS"/.test(s)), 'containment checked with a query');
  t.ok(snowflake.statements.some((s) => /^ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = \d+$/.test(s)), 'the strategy timeout bounds every statement');

  customers.columns.push({ name: 'DATE_OF_BIRTH', type: 'DATE' });
  customers.rows = customers.rows.map((r, i) => [...r, `19${70 + (i % 20)}-0${1 + (i % 9)}-1${i % 9}`]);
  orders.columns[2] = { name: 'CARD_NUMBER', type: 'TEXT', length: 32 };
  delete snowflake.model['SHOP']!['PUBLIC']!['REVIEWS'];
  snowflake.model['SHOP']!['PUBLIC']!['COUPONS'] = { columns: [{ name: 'CODE', type: 'TEXT', nullable: false }], rows: [['A']], primaryKey: ['CODE'] };
  const second = await service.trigger('warehouse');
  await service.settled('warehouse');
  t.equal((await service.run(second))!.status, 'succeeded', (await service.run(second))!.error ?? '');
  t.equal((await service.run(second))!.profiled, 3, 'customers, orders and coupons re-profiled; unchanged tables not');
  const changes = (await service.catalog.changes('warehouse', 0, 100)).filter((x) => x.runId === second);
  const find = (kind: string, dataset: string, field: string | null = null) => changes.find((x) => x.kind === kind && x.dataset === dataset && x.field === field);
  t.match(find('field_added', 'SHOP.PUBLIC.CUSTOMERS', 'DATE_OF_BIRTH'), { before: null, after: { type: 'DATE', nullable: true } });
  t.match(find('field_changed', 'SHOP.PUBLIC.ORDERS', 'CARD_NUMBER'), { before: { type: 'TEXT(19)' }, after: { type: 'TEXT(32)' } });
  t.ok(find('dataset_added', 'SHOP.PUBLIC.COUPONS'));
  t.ok(find('dataset_removed', 'SHOP.PUBLIC.REVIEWS'));
  t.equal(changes.length, 4, changes.map((x) => `${x.kind} ${x.dataset} ${x.field ?? ''}`).join('; '));
  t.strictSame(snowflake.unexpected, [], 'the driver called nothing the double does not implement');
});

t.test('key-pair login, and every database the role sees but the SNOWFLAKE one', async (t) => {
  const config = await parseConfig(yaml(`private_key: |\n      ${privateKey.trim().split('\n').join('\n      ')}`), 'test');
  const target = discoveryTarget(config.sources['warehouse']!)!;
  t.match(target, { kind: 'snowflake', host: '127.0.0.1', user: 'DISCOVERY', snowflake: { account: 'myorg-acct', warehouse: 'DISCOVERY_WH', role: 'GOVERNANCE', databases: [] } });
  const connector = await connectSnowflake(target, limits);
  t.teardown(() => connector.close());
  const datasets = await connector.introspect();
  t.ok(datasets.some((d) => d.schema === 'RAW.LANDING' && d.name === 'EVENTS'));
  t.notOk(datasets.some((d) => d.schema.startsWith('SNOWFLAKE.')), 'the account-usage database is left out');
  const events = datasets.find((d) => d.name === 'EVENTS')!;
  t.strictSame(await connector.sample(events, 10), { fields: ['PAYLOAD'], values: [['{"a":1}']] });
  t.equal(await connector.countPresent(datasets.find((d) => d.name === 'CUSTOMERS')!, 'ID', ['1', '2', '999']), 2);
});

t.test('a wrong password and a missing table fail with typed errors', async (t) => {
  const config = await parseConfig(yaml('password: wrong'), 'test');
  await t.rejects(connectSnowflake(discoveryTarget(config.sources['warehouse']!)!, limits), { code: 'SLUICE_DISCOVERY_CONNECT', message: /Incorrect username or password.*check the account, user and credentials/ });
  const good = await parseConfig(yaml('password: sesame', 'databases: [SHOP]'), 'test');
  const connector = await connectSnowflake(discoveryTarget(good.sources['warehouse']!)!, limits);
  t.teardown(() => connector.close());
  const coupons = (await connector.introspect()).find((d) => d.name === 'COUPONS')!;
  const table = snowflake.model['SHOP']!['PUBLIC']!['COUPONS']!;
  delete snowflake.model['SHOP']!['PUBLIC']!['COUPONS'];
  t.teardown(() => { snowflake.model['SHOP']!['PUBLIC']!['COUPONS'] = table; });
  await t.rejects(connector.sample(coupons, 5), { code: 'SLUICE_DISCOVERY_SAMPLE', message: /COUPONS' does not exist/ }, 'dropped after the listing: this dataset is skipped, the run goes on');
  await t.rejects(connector.sample({ ...coupons, name: 'NEVER_LISTED' }, 5), { code: 'SLUICE_DISCOVERY_SAMPLE', message: /not listed in this run/ });
});

t.test('an account that does not answer fails within the statement timeout', async (t) => {
  const gone = await startSnowflakeDouble({ user: 'DISCOVERY', password: 'sesame' });
  await gone.close();
  const config = await parseConfig(yaml('password: sesame').replace(snowflake.url, gone.url), 'test');
  const started = Date.now();
  await t.rejects(connectSnowflake(discoveryTarget(config.sources['warehouse']!)!, { ...limits, statementTimeoutMs: 1000 }), { code: 'SLUICE_DISCOVERY_CONNECT' });
  t.ok(Date.now() - started < 3000, `gave up after ${Date.now() - started} ms`);
});
