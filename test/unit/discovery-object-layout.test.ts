import t from 'tap';
import fc from 'fast-check';
import { partitionName, placeObject } from '../../src/discovery/connectors/object-layout.js';

t.test('Hive layout: table folders, partition folders, file format', async (t) => {
  t.strictSame(placeObject('events/dt=2026-11-01/part-0.parquet'), { dataset: 'events', partitions: [['dt', '2026-11-01']], format: 'parquet' });
  t.strictSame(placeObject('raw/events/dt=2026-11-01/hour=03/bucket-1/x.jsonl'), { dataset: 'raw/events', partitions: [['dt', '2026-11-01'], ['hour', '03']], format: 'jsonl' });
  t.strictSame(placeObject('users.csv'), { dataset: 'users', partitions: [], format: 'csv' });
  t.strictSame(placeObject('logs/ts=2026-11-01%2003%3A00/a.NDJSON'), { dataset: 'logs', partitions: [['ts', '2026-11-01 03:00']], format: 'jsonl' });
  t.strictSame(placeObject('logs/k=%zz/a.csv')?.partitions, [['k', '%zz']], 'bad escaping is kept as written');
  t.equal(placeObject('events/_SUCCESS'), null, 'Spark markers are not data');
  t.equal(placeObject('events/.part-0.crc'), null);
  t.equal(placeObject('events/notes.txt'), null, 'formats discovery cannot read are left out');
  t.equal(placeObject('events/'), null, 'a folder marker is no object');
  t.equal(partitionName([['dt', '2026-11-01'], ['hour', '03']]), 'dt=2026-11-01/hour=03');
});

const segment = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
const value = fc.stringMatching(/^[a-zA-Z0-9 :.-]{0,10}$/);

t.test('property: a key built from a layout is placed back into it', async () => {
  fc.assert(fc.property(
    fc.array(segment, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(segment, value), { maxLength: 3 }), segment, fc.constantFrom('csv', 'jsonl', 'parquet'),
    (table, partitions, file, format) => {
      const key = [...table, ...partitions.map(([k, v]) => `${k}=${encodeURIComponent(v)}`), `${file}.${format}`].join('/');
      const place = placeObject(key);
      return place !== null && place.dataset === table.join('/') && JSON.stringify(place.partitions) === JSON.stringify(partitions) && place.format === format;
    },
  ));
});

t.test('property: any key is placed or left out, never throws, and a dataset never holds a partition folder', async () => {
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', '/', '=', '.', '_', '%', 'c', 's', 'v', '1') }), (key) => {
    const place = placeObject(key);
    return place === null || !place.dataset.split('/').some((s) => /^[A-Za-z_][A-Za-z0-9_-]*=/.test(s));
  }));
});
