import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { connectS3 } from '../../src/discovery/connectors/s3.js';
import { DiscoveryService } from '../../src/discovery/service.js';
import { discoveryTarget } from '../../src/discovery/target.js';
import { S3RVER_KEY, startS3rver } from '../helpers/s3rver.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-discovery-s3-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const s3 = await startS3rver(t, 'lake');
const put = (key: string, body: string | Buffer) => s3.put(`warehouse/${key}`, body);

const NAMES = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra'];
const customers = (extra: boolean) => [
  `id,email,signed_up,score${extra ? ',phone' : ''}`,
  ...Array.from({ length: 40 }, (_, i) => `${i + 1},user${i + 1}@example.com,2026-0${1 + (i % 9)}-1${i % 10},${i % 7 === 0 ? '' : (i * 1.5).toFixed(1)}${extra ? `,+44 20 7946 ${String(i).padStart(4, '0')}` : ''}`),
].join('\n') + '\n';
const event = (i: number, extra: boolean) => JSON.stringify({
  user: { id: i, email: `u${i}@example.org` }, action: i % 2 ? 'view' : 'buy', amount: i % 3 ? i : i + 0.5, tags: ['a', 'b'],
  ...(i % 4 === 0 && { coupon: `C${i}` }), ...(extra && { session: `s-${i}` }),
});

await put('customers/part-0.csv', customers(false));
await put('events/dt=2026-11-01/part-0.jsonl', Array.from({ length: 20 }, (_, i) => event(i, false)).join('\n'));
await put('events/dt=2026-11-02/part-0.jsonl', Array.from({ length: 20 }, (_, i) => event(i + 20, false)).join('\n'));
// s3rver's delimiter listing leaves out a folder whose objects are all in deeper folders; the
// _SUCCESS marker Spark writes at a dataset's root makes it list events/ (docs/discovery.md).
await put('events/_SUCCESS', '');
await put('users/part-0.parquet', readFileSync(new URL('../fixtures/parquet/users.parquet', import.meta.url)));
await put('customers/_SUCCESS', '');
await put('README.txt', 'not data');
// Bigger than conservative's byte budget: read with one ranged GET, its cut-off last line dropped.
const CLICKS = 20_000;
await put('clicks/part-0.csv', `id,url\n${Array.from({ length: CLICKS }, (_, i) => `${i},https://example.com/page/${i}`).join('\n')}\n`);

const yaml = `
sources:
  lake:
    kind: s3
    bucket: lake
    prefix: warehouse/
    endpoint: ${s3.endpoint}
    force_path_style: true
    access_key_id: ${S3RVER_KEY.accessKeyId}
    secret_access_key: ${S3RVER_KEY.secretAccessKey}
discovery:
  catalog: ${join(dir, 'catalog.db')}
  strategy: conservative
`;

t.test('datasets, partitions and schemas from CSV, JSON lines and Parquet; a schema change between runs', async (t) => {
  const config = await parseConfig(yaml, 'test');
  t.notOk(JSON.stringify(config).includes('"listen"'), 'an s3 source has no listener');
  const service = new DiscoveryService({ config: () => config.discovery!, sources: () => config.sources, health: () => null, log: pino({ level: 'silent' }) });
  t.teardown(() => service.close());

  const first = await service.trigger('lake');
  await service.settled('lake');
  const run = (await service.run(first))!;
  t.equal(run.status, 'succeeded', run.error ?? '');
  const byId = new Map((await service.catalog.current('lake')).map((d) => [`${d.schema}.${d.name}`, d]));
  t.strictSame([...byId.keys()], ['lake.clicks', 'lake.customers', 'lake.events', 'lake.users']);

  const csv = byId.get('lake.customers')!;
  t.equal(csv.kind, 'object_dataset');
  t.strictSame(csv.fields.map((f) => [f.name, f.type, f.nullable]), [['id', 'integer', false], ['email', 'string', false], ['signed_up', 'date', false], ['score', 'number', true]]);
  t.equal(csv.rowEstimate, 40, 'a whole object read gives its exact row count');

  const events = byId.get('lake.events')!;
  t.strictSame(events.partitions, ['events/dt=2026-11-01', 'events/dt=2026-11-02']);
  const field = (name: string) => events.fields.find((f) => f.name === name);
  t.match(field('dt'), { type: 'partition date', nullable: false });
  t.match(field('user.email'), { type: 'string', nullable: false });
  t.match(field('amount'), { type: 'mixed(integer|number)', typeFrequencies: { integer: 26, number: 14 } });
  t.match(field('coupon'), { type: 'string', nullable: true, typeFrequencies: { string: 10, missing: 30 } });
  t.match(field('tags'), { type: 'array' });
  t.match(field('tags[]'), { type: 'string' });

  const parquet = byId.get('lake.users')!;
  t.strictSame(parquet.fields.map((f) => [f.name, f.type, f.nullable]), [['id', 'INT64', false], ['email', 'UTF8', false], ['name', 'UTF8', false]]);
  t.equal(parquet.rowEstimate, 3);

  const clicks = byId.get('lake.clicks')!;
  t.strictSame(clicks.fields.map((f) => [f.name, f.type]), [['id', 'integer'], ['url', 'string']]);
  // Only the byte budget is read, so the count is estimated from the bytes per row of that part.
  t.ok(clicks.rowEstimate !== CLICKS && Math.abs(clicks.rowEstimate! - CLICKS) < CLICKS * 0.1, `row estimate ${clicks.rowEstimate} from a partial read`);

  const types = async (dataset: string, f: string) => (await service.catalog.analysis('lake', dataset))?.fields[f]?.classifications.map((c) => c.type) ?? [];
  t.ok((await types('lake.customers', 'email')).includes('email'), 'emails found in a CSV column');
  t.ok((await types('lake.events', 'user.email')).includes('email'), 'emails found at a nested JSON path');
  t.ok((await types('lake.users', 'email')).includes('email'), 'emails found in a Parquet column');

  await put('customers/part-0.csv', customers(true));
  await put('events/dt=2026-11-03/part-0.jsonl', Array.from({ length: 20 }, (_, i) => event(i + 40, true)).join('\n'));
  await s3.remove('warehouse/clicks/part-0.csv');
  const second = await service.trigger('lake');
  await service.settled('lake');
  t.equal((await service.run(second))!.status, 'succeeded', (await service.run(second))!.error ?? '');
  const changes = (await service.catalog.changes('lake', 0, 100)).filter((c) => c.runId === second);
  const find = (kind: string, dataset: string, f: string | null = null) => changes.find((c) => c.kind === kind && c.dataset === dataset && c.field === f);
  t.ok(find('field_added', 'lake.customers', 'phone'), 'a new CSV column is a field_added event');
  t.ok(find('field_added', 'lake.events', 'session'), 'a field in the newest partition is a field_added event');
  t.ok(find('dataset_removed', 'lake.clicks'));
  t.ok((await types('lake.customers', 'phone')).includes('phone'));
});

t.test('listing pages through continuation tokens and folders within the key budget', async (t) => {
  const config = await parseConfig(yaml, 'test');
  const target = discoveryTarget(config.sources['lake']!)!;
  t.match(target, { kind: 's3', host: '127.0.0.1', user: S3RVER_KEY.accessKeyId, s3: { bucket: 'lake', prefix: 'warehouse/', forcePathStyle: true } });
  const connector = await connectS3(target, { statementTimeoutMs: 5000, maxValueLength: 64, scanCount: 1, sampleKeys: 100, sampleObjects: 1, sampleBytes: 1024, sampleRows: 10, pace: async () => {} });
  t.teardown(() => connector.close());
  const datasets = await connector.introspect();
  t.strictSame(datasets.map((d) => d.name), ['customers', 'events', 'users']);
  const events = datasets.find((d) => d.name === 'events')!;
  t.equal(events.partitions.length, 3, 'every partition listed though only one object is read');
  const sample = await connector.sample(events, 5);
  t.equal(sample.values[sample.fields.indexOf('dt')]?.[0], '2026-11-03', 'rows carry their partition values; the newest partition is read first');
});

t.test('an unknown bucket and an unknown access key fail to connect with a typed error', async (t) => {
  const target = { kind: 's3' as const, source: 'x', host: '127.0.0.1', port: 0, database: 'nope', s3: { bucket: 'nope', prefix: '', region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true } };
  const limits = { statementTimeoutMs: 5000, maxValueLength: 64, scanCount: 10, sampleKeys: 10, sampleObjects: 1, sampleBytes: 1024, sampleRows: 10, pace: async () => {} };
  await t.rejects(connectS3({ ...target, user: S3RVER_KEY.accessKeyId, password: S3RVER_KEY.secretAccessKey }, limits), { code: 'SLUICE_DISCOVERY_CONNECT', message: /bucket "nope".*bucket does not exist/i });
  // s3rver checks the access key id but not SigV4 signatures, so a wrong secret would pass here.
  await t.rejects(connectS3({ ...target, s3: { ...target.s3, bucket: 'lake' }, user: 'NOBODY', password: 'x' }, limits), { code: 'SLUICE_DISCOVERY_CONNECT', message: /Access Key Id you provided does not exist/ });
});
