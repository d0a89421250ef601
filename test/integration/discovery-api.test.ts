// The discovery routes on the admin port: RBAC, a run started over HTTP, and the catalog it produced.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { DiscoveryService } from '../../src/discovery/service.js';
import { OPERATOR, VIEWER, discoveryYaml, startDiscoveryAdmin } from '../helpers/discovery-admin.js';
import { PG_HOST, PG_PORT, adminQuery } from '../helpers/postgres.js';

const DB = `sluice_discovery_api_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-discovery-api-'));
const yaml = discoveryYaml(DB, join(dir, 'catalog.db'), ['app', 'off'], '  sources: { off: { enabled: false } }\n');

t.before(async () => {
  await adminQuery(`DROP DATABASE IF EXISTS ${DB}`);
  await adminQuery(`CREATE DATABASE ${DB}`);
  const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: 'postgres', database: DB });
  await c.connect();
  await c.query(`CREATE TABLE accounts (id int PRIMARY KEY, contact_email text);
    INSERT INTO accounts SELECT g, 'a' || g || '@example.com' FROM generate_series(1, 20) g; ANALYZE accounts;`);
  await c.end();
});
t.teardown(async () => {
  await adminQuery(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
});

t.test('operator triggers, viewer reads the run, catalog, changes and search', async (t) => {
  const { service, base, call } = await startDiscoveryAdmin(t, yaml);

  t.equal((await call('POST', '/v1/sources/app/discover', VIEWER, {})).status, 403, 'a viewer may not start runs');
  t.equal((await call('POST', '/v1/sources/nope/discover', OPERATOR, {})).status, 404);
  t.equal((await call('POST', '/v1/sources/off/discover', OPERATOR, {})).status, 404, 'disabled sources are not discoverable');
  t.equal((await call('POST', '/v1/sources/app/discover', OPERATOR, { strategy: 'fast' })).status, 400);
  const started = await call('POST', '/v1/sources/app/discover', OPERATOR, { strategy: 'balanced' });
  t.equal(started.status, 202);
  const { runId } = started.body as { runId: number };
  await service.settled('app');

  const run = await call('GET', `/v1/discovery/runs/${runId}`, VIEWER);
  t.match(run, { status: 200, body: { id: runId, source: 'app', strategy: 'balanced', status: 'succeeded', datasets: 1, progress: null } });
  t.ok((run.body as { timings: { totalMs: number } }).timings.totalMs >= 0);
  t.equal((await call('GET', '/v1/discovery/runs/999999', VIEWER)).status, 404);
  t.match(await call('GET', '/v1/discovery/runs?source=app', VIEWER), { status: 200, body: [{ id: runId }] });

  const catalog = await call('GET', '/v1/sources/app/catalog', VIEWER);
  t.match(catalog, {
    status: 200,
    body: {
      source: 'app',
      datasets: [{ name: 'public.accounts', kind: 'table', primaryKey: ['id'], fields: [
        { name: 'id', type: 'integer', nullable: false, profile: { sampled: 20, min: 1, max: 20 } },
        { name: 'contact_email', classifications: [{ type: 'email' }] },
      ] }],
      relationships: [],
    },
  });
  const changes = await call('GET', '/v1/sources/app/changes?since=0', VIEWER);
  t.match(changes, { status: 200, body: [{ kind: 'dataset_added', dataset: 'public.accounts', runId }] });
  t.equal((await call('GET', '/v1/sources/app/changes?since=yesterday', VIEWER)).status, 400);
  t.match(await call('GET', '/v1/catalog/search?q=email', VIEWER), { status: 200, body: [{ source: 'app', dataset: 'public.accounts', fields: ['contact_email'] }] });
  t.match(await call('GET', '/v1/discovery/sources', VIEWER), { status: 200, body: [{ source: 'app', datasets: 1, changesSinceDay: 1, lastRun: { id: runId } }] });

  const metrics = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${VIEWER}` } }).then((r) => r.text());
  t.match(metrics, /sluice_discovery_runs_total\{source="app",status="succeeded"\} 1/);
  t.match(metrics, /sluice_discovery_datasets\{source="app"\} 1/);
  t.match(metrics, /sluice_discovery_changes_total\{source="app"\} 1/);

  const doc = await fetch(`${base}/v1/openapi.json`).then((r) => r.json()) as { paths: Record<string, unknown> };
  t.ok(doc.paths['/v1/sources/{name}/discover'] && doc.paths['/v1/catalog/search'], 'routes are in the OpenAPI document');
});

t.test('one run per source at a time', async (t) => {
  const config = await parseConfig(yaml, 'test');
  const service = new DiscoveryService({ config: () => config.discovery!, sources: () => config.sources, health: () => null, log: pino({ level: 'silent' }) });
  t.teardown(() => service.close());
  // The second trigger comes before the first has been recorded in the catalog: it must still see the source taken.
  const first = service.trigger('app');
  await t.rejects(service.trigger('app'), { code: 'SLUICE_DISCOVERY_BUSY' });
  t.ok(await first > 0);
  await service.settled('app');
});
