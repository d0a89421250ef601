import t from 'tap';
import { Decimal128, Long, ObjectId } from 'bson';
import { connectMongo } from '../../src/discovery/connectors/mongodb.js';
import type { ConnectorLimits } from '../../src/discovery/connector.js';
import { parseConfig } from '../../src/config/load.js';
import { discoveryTarget } from '../../src/discovery/target.js';
import { startMongoDouble } from '../doubles/mongodb.js';

const mongo = await startMongoDouble();
t.teardown(() => mongo.close());

const customers = Array.from({ length: 30 }, (_, i) => ({
  _id: new ObjectId(),
  email: `user${i}@example.com`,
  address: { city: i % 2 ? 'Leeds' : 'Paris', geo: { lat: 48.8 + i / 100, lng: 2.3 } },
  // Legacy imports wrote ages as text: a mixed-type path.
  age: i % 5 === 0 ? String(20 + i) : 20 + i,
  tags: i % 3 === 0 ? ['vip', 1] : ['new'],
  ...(i % 2 === 0 && { phone: `+44 20 7946 ${String(i).padStart(4, '0')}` }),
  created: new Date(Date.UTC(2026, 0, 1 + i)),
}));
const orders = customers.map((c, i) => ({ _id: new ObjectId(), customer: c._id, total: Decimal128.fromString(`${i}.50`), qty: Long.fromNumber(i), note: null }));

mongo.databases.set('admin', new Map());
mongo.databases.set('shop', new Map([
  ['customers', { docs: customers, indexes: [{ v: 2, key: { email: 1 }, name: 'email_1', unique: true }, { v: 2, key: { 'address.city': 'hashed' }, name: 'city_hashed' }] }],
  ['orders', { docs: orders, indexes: [] }],
  ['big_orders', { docs: [], indexes: [], view: true }],
  ['system.views', { docs: [], indexes: [] }],
]));

const limits = (sampleRows: number): ConnectorLimits => ({ statementTimeoutMs: 5000, maxValueLength: 64, scanCount: 100, sampleKeys: 100, sampleObjects: 1, sampleBytes: 1024, sampleRows, pace: async () => {} });

t.test('collections, indexes and a schema inferred from $sample with the mongodb driver', async (t) => {
  const config = await parseConfig(`
sources:
  docs:
    kind: mongodb
    hosts: [{ host: ${mongo.host}, port: ${mongo.port} }]
`, 'test');
  const target = discoveryTarget(config.sources['docs']!)!;
  t.match(target, { kind: 'mongodb', host: mongo.host, port: mongo.port, database: '' });
  const connector = await connectMongo(target, limits(1000));
  t.teardown(() => connector.close());
  const datasets = await connector.introspect();
  t.strictSame(datasets.map((d) => `${d.schema}.${d.name}:${d.kind}`), ['shop.big_orders:view', 'shop.customers:collection', 'shop.orders:collection'], 'admin and system collections left out');

  const c = datasets.find((d) => d.name === 'customers')!;
  t.strictSame(c.primaryKey, ['_id']);
  t.equal(c.rowEstimate, 30);
  t.strictSame(c.uniqueKeys, [['email']]);
  t.match(c.indexes.find((i) => i.name === 'city_hashed'), { columns: ['address.city'], unique: false, method: 'hashed' });
  const field = (name: string) => c.fields.find((f) => f.name === name);
  t.match(field('_id'), { type: 'objectId', nullable: false });
  t.match(field('address'), { type: 'object' });
  t.match(field('address.geo.lat'), { type: 'double', nullable: false });
  t.match(field('age'), { type: 'mixed(int|string)', typeFrequencies: { int: 24, string: 6 } });
  t.match(field('phone'), { type: 'string', nullable: true, typeFrequencies: { string: 15, missing: 15 } });
  t.match(field('tags[]'), { type: 'mixed(string|int)' });
  t.match(field('created'), { type: 'date' });

  const o = datasets.find((d) => d.name === 'orders')!;
  t.strictSame(o.fields.map((f) => [f.name, f.type, f.nullable]), [['_id', 'objectId', false], ['customer', 'objectId', false], ['total', 'decimal', false], ['qty', 'long', false], ['note', 'null', true]]);

  const sample = await connector.sample(c, 10);
  t.equal(sample.values[sample.fields.indexOf('email')]?.length, 10);
  t.equal(sample.values[sample.fields.indexOf('created')]?.[0], '2026-01-01T00:00:00.000Z');
  t.equal(await connector.countPresent(c, '_id', [customers[3]!._id.toHexString(), 'nope']), 1, 'containment is checked on ids as text');
  t.ok(mongo.commands.includes('aggregate') && mongo.commands.includes('listIndexes'));
});

t.test('the strategy bounds $sample and a named database limits the listing', async (t) => {
  const connector = await connectMongo({ kind: 'mongodb', source: 'docs', host: mongo.host, port: mongo.port, database: 'shop' }, limits(5));
  t.teardown(() => connector.close());
  const c = (await connector.introspect()).find((d) => d.name === 'customers')!;
  t.match(c.fields.find((f) => f.name === 'email'), { typeFrequencies: { string: 5 } });
});

t.test('an unreachable server fails with a typed error', async (t) => {
  const gone = await startMongoDouble();
  const port = gone.port;
  await gone.close();
  await t.rejects(connectMongo({ kind: 'mongodb', source: 'docs', host: '127.0.0.1', port, database: '' }, { ...limits(5), statementTimeoutMs: 500 }), { code: 'SLUICE_DISCOVERY_CONNECT' });
});
