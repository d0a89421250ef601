// Pausing and resuming a discovery run in flight over the admin API, against a real PostgreSQL.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { AuditEvent } from '../../src/auth/audit/index.js';
import { CatalogStore } from '../../src/discovery/catalog/store.js';
import type { RunProgress } from '../../src/discovery/progress.js';
import { OPERATOR, VIEWER, discoveryYaml, startDiscoveryAdmin } from '../helpers/discovery-admin.js';
import { PG_HOST, PG_PORT, adminQuery } from '../helpers/postgres.js';

const DB = `sluice_discovery_pause_${process.pid}`;
// Conservative waits 200 ms before each statement: 40 tables keep a run in profiling for seconds.
const TABLES = 40;
const dir = mkdtempSync(join(tmpdir(), 'sluice-discovery-pause-'));

t.before(async () => {
  await adminQuery(`DROP DATABASE IF EXISTS ${DB}`);
  await adminQuery(`CREATE DATABASE ${DB}`);
  const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: 'postgres', database: DB });
  await c.connect();
  for (let i = 1; i <= TABLES; i++) {
    await c.query(`CREATE TABLE t${i} (id int PRIMARY KEY, label text); INSERT INTO t${i} SELECT g, 'x' || g FROM generate_series(1, 10) g;`);
  }
  await c.end();
});
t.teardown(async () => {
  await adminQuery(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
});

interface RunReply { id: number; status: string; error: string | null; profiled: number; progress: RunProgress | null }

/** Each test has a catalog of its own: a second run on the first's catalog would find nothing left to profile. */
async function start(t: Test, catalog: string) {
  const audited: AuditEvent[] = [];
  const admin = await startDiscoveryAdmin(t, discoveryYaml(DB, catalog), { record: (e) => audited.push(e) });
  const call = <T = RunReply>(method: 'GET' | 'POST', path: string, token = OPERATOR, body?: unknown) => admin.call<T>(method, path, token, body);
  /** Polls the run until `done` says so, for at most `ms`; fails the test with the last reading otherwise. */
  const until = async (id: number, done: (r: RunReply) => boolean, what: string, ms = 15_000): Promise<RunReply> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const { status, body: run } = await call('GET', `/v1/discovery/runs/${id}`, VIEWER);
      if (status !== 200) throw new Error(`${what}: GET answered ${status} ${JSON.stringify(run)}`);
      if (done(run)) return run;
      if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms; last reading ${JSON.stringify(run)}`);
      await sleep(50);
    }
  };
  return { call, until, audited, stop: admin.stop };
}

t.test('an operator pauses a run in flight, it starts no statement, and resumes to the end', async (t) => {
  const { call, until, audited } = await start(t, join(dir, 'paused.db'));
  const started = await call<{ runId: number }>('POST', '/v1/sources/app/discover', OPERATOR, {});
  t.equal(started.status, 202);
  const id = started.body.runId;
  await until(id, (r) => (r.progress?.profiled ?? 0) >= 1, 'profiling under way');

  t.equal((await call('POST', `/v1/discovery/runs/${id}/pause`, VIEWER)).status, 403, 'a viewer may not pause');
  const paused = await call('POST', `/v1/discovery/runs/${id}/pause`);
  t.match(paused, { status: 200, body: { id, status: 'running', progress: { paused: true } } });
  t.match(await call('POST', `/v1/discovery/runs/${id}/pause`), { status: 200, body: { progress: { paused: true } } }, 'pausing a paused run is fine');

  // pausedMs starts once the statement in flight has finished and the run holds.
  const held = await until(id, (r) => (r.progress?.pausedMs ?? 0) > 0, 'run held by the pause');
  const profiled = held.progress!.profiled;
  t.ok(profiled < TABLES, `paused part way (${profiled} of ${TABLES})`);
  const watchUntil = Date.now() + 1_500;
  let last = held;
  while (Date.now() < watchUntil) {
    await sleep(100);
    last = (await call('GET', `/v1/discovery/runs/${id}`, VIEWER)).body;
    if (last.progress?.profiled !== profiled) break;
  }
  t.match(last, { status: 'running', progress: { paused: true, profiled } }, 'no dataset profiled while paused');
  t.ok(last.progress!.pausedMs > held.progress!.pausedMs, 'paused time grows in the progress');

  t.match(await call('POST', `/v1/discovery/runs/${id}/resume`), { status: 200, body: { progress: { paused: false } } });
  t.match(await call('POST', `/v1/discovery/runs/${id}/resume`), { status: 200, body: { progress: { paused: false } } }, 'resuming a running run is fine');
  const done = await until(id, (r) => r.status !== 'running', 'run ended after resume', 60_000);
  t.match(done, { status: 'succeeded', profiled: TABLES });

  const finished = await call<{ code: string; message: string }>('POST', `/v1/discovery/runs/${id}/pause`);
  t.match(finished, { status: 409, body: { code: 'SLUICE_ADMIN_UNAVAILABLE', message: /has succeeded; only a run in flight can be paused or resumed/ } });
  t.match(await call('POST', '/v1/discovery/runs/999999/resume'), { status: 404, body: { code: 'SLUICE_ADMIN_NOT_FOUND' } });

  const pauses = audited.filter((e) => e.target === `POST /v1/discovery/runs/${id}/pause`);
  t.match(pauses, [
    { actor: 'token:dash', action: 'admin.pause', result: 'denied' },
    { actor: 'token:oncall', action: 'admin.pause', result: 'ok' },
    { actor: 'token:oncall', action: 'admin.pause', result: 'ok' },
    { actor: 'token:oncall', action: 'admin.pause', result: 'failed', detail: { status: 409 } },
  ], 'pause calls are in the audit trail like the other operator actions');
  t.match(audited.filter((e) => e.target === `POST /v1/discovery/runs/${id}/resume`), [{ action: 'admin.resume', result: 'ok' }, { action: 'admin.resume', result: 'ok' }]);
});

t.test('a paused run still ends at once when cancelled', async (t) => {
  const catalogPath = join(dir, 'cancelled.db');
  const { call, until, stop } = await start(t, catalogPath);
  const id = (await call<{ runId: number }>('POST', '/v1/sources/app/discover', OPERATOR, {})).body.runId;
  t.equal((await call('POST', `/v1/discovery/runs/${id}/pause`)).status, 200);
  await until(id, (r) => (r.progress?.pausedMs ?? 0) > 0, 'run held by the pause');
  await stop();
  const catalog = CatalogStore.open(catalogPath);
  t.teardown(() => catalog.close());
  // A hold that ignored the cancel would have the worker terminated after its grace, with another message.
  const run = await catalog.run(id);
  t.equal(run?.status, 'failed');
  t.equal(run?.error, 'SLUICE_DISCOVERY_CANCELLED: discovery run cancelled');
});
