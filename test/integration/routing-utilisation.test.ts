// Each host's pool utilisation (leased ÷ size over its pools) in the admin API and /metrics:
// the figure host choice reads to spill to the next zone tier when a host's pools are full.
import t from 'tap';
import pg from 'pg';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import type { HostHealthView } from '../../src/admin/inventory-types.js';

async function utilisation(s: TestSluice): Promise<{ api: number | undefined; metric: string | undefined }> {
  const hosts = await (await fetch(`${s.adminUrl}/v1/hosts`)).json() as { health: HostHealthView }[];
  const metrics = await (await fetch(`${s.adminUrl}/metrics`)).text();
  const metric = /^sluice_host_pool_utilisation\{source="app",host="127\.0\.0\.1:5432",protocol="postgres"\} (\S+)$/m.exec(metrics)?.[1];
  return { api: hosts[0]?.health.poolUtilisation, metric };
}

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

t.test('open transactions raise the host\'s pool utilisation; ending them lowers it', async (t) => {
  const s = await startSluice({ admin: true, size: 2 });
  t.teardown(() => s.stop());
  const clients = [new pg.Client({ connectionString: s.url() }), new pg.Client({ connectionString: s.url() })];
  for (const c of clients) await c.connect();
  t.same(await utilisation(s), { api: 0, metric: '0' }, 'nothing leased');
  await clients[0]!.query('BEGIN');
  await clients[0]!.query('SELECT 1');
  t.same(await utilisation(s), { api: 0.5, metric: '0.5' }, 'one of two leased');
  await clients[1]!.query('BEGIN');
  await clients[1]!.query('SELECT 1');
  t.same(await utilisation(s), { api: 1, metric: '1' }, 'full');
  for (const c of clients) await c.query('COMMIT');
  t.same(await utilisation(s), { api: 0, metric: '0' }, 'released');
  for (const c of clients) await c.end();
});
