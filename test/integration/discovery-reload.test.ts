// A `discovery:` section added, changed and removed in the configuration file takes effect at
// POST /v1/reload, without a restart: the service starts, picks up new strategies and
// schedules, stops, and starts again on the same catalog with its earlier runs.
import t from 'tap';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PG_HOST, PG_PORT, TEST_PASSWORD, TEST_ROLE, adminQuery, ensureRoleAndDb } from '../helpers/postgres.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';

const DB = `sluice_discovery_reload_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-discovery-reload-'));
const CATALOG = join(dir, 'catalog.db');
const HOUR_MS = 3_600_000;

interface RunReply { id: number; status: string; strategy: string; datasets: number }
interface StatusBody { enabled: boolean; sources: { source: string; datasets: number; lastRun: RunReply | null; nextRunAt: number | null }[] }

let sluice: TestSluice;

t.before(async () => {
  await ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD);
  await adminQuery(`DROP DATABASE IF EXISTS ${DB}`);
  await adminQuery(`CREATE DATABASE ${DB} OWNER ${TEST_ROLE}`);
  await owner((c) => c.query('CREATE TABLE items (id int PRIMARY KEY, label text); INSERT INTO items SELECT g, g::text FROM generate_series(1, 10) g'));
  sluice = await startSluice({ admin: true, database: DB });
});
t.teardown(async () => {
  await sluice?.stop();
  await adminQuery(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `work` as the database's owner, the role Sluice (and so discovery) connects as. */
async function owner(work: (c: pg.Client) => Promise<unknown>): Promise<void> {
  const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: TEST_ROLE, password: TEST_PASSWORD, database: DB });
  await c.connect();
  try {
    await work(c);
  } finally {
    await c.end();
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sluice.adminUrl}${path}`, {
    method,
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() as T };
}

/** Rewrites the configuration file with `discovery` appended (or none) and reloads it over HTTP. */
async function reloadWith(discovery: string | null): Promise<string[]> {
  writeFileSync(sluice.configFile, sluice.yaml + (discovery === null ? '' : `discovery:\n${discovery}`));
  const reply = await call<{ changes: string[] }>('POST', '/v1/reload');
  if (reply.status !== 200) throw new Error(`reload answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body.changes;
}

/** Starts a run of source "app" and waits until it has ended. */
async function discover(strategy?: string): Promise<RunReply> {
  const started = await call<{ runId: number }>('POST', '/v1/sources/app/discover', strategy === undefined ? {} : { strategy });
  if (started.status !== 202) throw new Error(`discover answered ${started.status}: ${JSON.stringify(started.body)}`);
  await sluice.gateway.discovery!.settled('app');
  return (await call<RunReply>('GET', `/v1/discovery/runs/${started.body.runId}`)).body;
}

t.test('discovery follows its section through reloads', async (t) => {
  t.equal((await call('GET', '/v1/discovery/runs')).status, 409, 'no discovery section: the routes answer 409');
  t.strictSame((await call('GET', '/v1/discovery/status')).body, { enabled: false, sources: [] }, 'and the status page\'s says it is off');

  const added = await reloadWith(`  catalog: ${CATALOG}\n  strategy: conservative\n`);
  t.ok(added.some((c) => c.startsWith('discovery')), `the reload reports the section (${added.join('; ')})`);
  const first = await discover();
  t.match(first, { status: 'succeeded', strategy: 'conservative', datasets: 1 }, 'a reload that adds discovery starts it, with its strategy');
  t.match((await call<StatusBody>('GET', '/v1/discovery/status')).body.sources, [{ source: 'app', nextRunAt: null, lastRun: { id: first.id } }], 'on demand only');

  const before = Date.now();
  await reloadWith(`  catalog: ${CATALOG}\n  strategy: aggressive\n  sources: { app: { schedule: 1h } }\n`);
  t.equal(sluice.gateway.discovery!.catalogPath, CATALOG);
  const [status] = (await call<StatusBody>('GET', '/v1/discovery/status')).body.sources;
  t.ok(status!.nextRunAt !== null && status!.nextRunAt >= before + HOUR_MS && status!.nextRunAt <= Date.now() + HOUR_MS, 'a schedule set by reload is armed');
  const second = await discover();
  t.equal(second.strategy, 'aggressive', 'a strategy changed by reload applies to the next run');

  // An unrelated change keeps the armed schedule where it was.
  const armed = sluice.gateway.discovery!.nextRunAt('app');
  await reloadWith(`  catalog: ${CATALOG}\n  strategy: balanced\n  sources: { app: { schedule: 1h } }\n`);
  t.equal(sluice.gateway.discovery!.nextRunAt('app'), armed, 'the next run does not move when its schedule did not change');
  await reloadWith(`  catalog: ${CATALOG}\n  strategy: balanced\n  sources: { app: { schedule: 2h } }\n`);
  t.ok(sluice.gateway.discovery!.nextRunAt('app')! > armed! + HOUR_MS / 2, 'and moves when it did');

  // A new table gives the next run something to sample, behind conservative's 200 ms pause.
  await owner((c) => c.query('CREATE TABLE more_items (id int PRIMARY KEY)'));
  const running = await sluice.gateway.discovery!.trigger('app', 'conservative');
  await reloadWith(null);
  t.equal(sluice.gateway.discovery, null, 'a reload that removes the section stops discovery');
  t.equal((await call('GET', '/v1/discovery/runs')).status, 409);
  t.match((await call<StatusBody>('GET', '/v1/discovery/status')).body, { enabled: false });
  t.ok(existsSync(CATALOG), 'and keeps its catalog file');

  await reloadWith(`  catalog: ${CATALOG}\n`);
  const runs = (await call<RunReply[]>('GET', '/v1/discovery/runs?source=app')).body;
  t.match(runs.map((r) => r.id), [running, second.id, first.id], 'adding it back opens the same catalog, runs and all');
  t.match(runs[0], { status: 'failed', error: /SLUICE_DISCOVERY_CANCELLED/ }, 'the run cut short by the removal is recorded as failed');
  t.equal((await discover()).status, 'succeeded', 'and runs again');
});

t.test('a catalog that cannot be opened keeps the running discovery', async (t) => {
  await reloadWith(`  catalog: ${CATALOG}\n`);
  const service = sluice.gateway.discovery;
  await reloadWith(`  catalog: ${join(dir, 'missing-dir', 'catalog.db')}\n`);
  t.equal(sluice.gateway.discovery, service, 'the service on the old catalog stays');
  t.equal((await discover()).status, 'succeeded');
});
