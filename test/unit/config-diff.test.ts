import t from 'tap';
import { parseConfig } from '../../src/config/load.js';
import { diffConfig } from '../../src/config/diff.js';

const base = `
listeners: { postgres: { listen: "127.0.0.1:6432" } }
sources:
  bench:
    kind: postgres
    pool: { size: 20 }
    hosts: [{ host: a.db }]
    users: [{ name: bench, password: old }]
`;

t.test('no changes', async (t) => {
  t.strictSame(diffConfig(await parseConfig(base, 'a'), await parseConfig(base, 'b')), []);
});

t.test('changed, added and removed values, with secrets hidden', async (t) => {
  const next = `${base.replace('size: 20', 'size: 50, query_wait_timeout: 30s').replace('password: old', 'password: new').replace('[{ host: a.db }]', '[{ host: a.db }, { host: b.db, role: replica }]')}
  reports:
    kind: postgres
    hosts: [{ host: r.db }]
    users: [{ name: r, password: r }]
admin: { listen: "127.0.0.1:9930" }
`.replace('listeners: { postgres: { listen: "127.0.0.1:6432" } }\n', '');
  t.strictSame(diffConfig(await parseConfig(base, 'a'), await parseConfig(next, 'b')), [
    'listeners.postgres: removed',
    'sources.bench.pool.size: 20 → 50',
    'sources.bench.pool.query_wait_timeout: 120000 → 30000',
    'sources.bench.hosts[1]: added',
    'sources.bench.users[0].password: changed',
    'sources.reports: added',
    'admin: added',
  ]);
});
