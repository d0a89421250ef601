import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { CatalogStore } from '../../src/discovery/catalog/store.js';
import { DiscoveryError } from '../../src/discovery/errors.js';
import { newProgress } from '../../src/discovery/progress.js';
import { runInWorker } from '../../src/discovery/run-thread.js';
import { DiscoveryService } from '../../src/discovery/service.js';
import { STRATEGY_PRESETS } from '../../src/discovery/strategy.js';

// Runs go through the worker thread (run-thread, run-worker) here as in production; the
// PostgreSQL and MariaDB suites cover the same path with their own schemas.
const dir = mkdtempSync(join(tmpdir(), 'sluice-discovery-worker-'));
// Letters only, so the prefix is never mistaken for an id by the key-pattern inference.
const PREFIX = `dw${process.pid.toString(36).replace(/\d/g, (d) => String.fromCharCode(97 + Number(d)))}`;
const DB = 12;
const redis = new Redis({ host: '127.0.0.1', port: 6379, db: DB, lazyConnect: true });

const yaml = (catalog: string) => `
sources:
  cache: { kind: redis, listen: "127.0.0.1:0", hosts: [{ host: 127.0.0.1, port: 6379 }] }
discovery:
  catalog: ${join(dir, catalog)}
`;

t.before(async () => {
  await redis.connect();
  const p = redis.pipeline();
  for (let i = 1; i <= 30; i++) p.hset(`${PREFIX}:order:${i}`, { customer: `c${i}`, total: String(i * 3) });
  await p.exec();
});

t.teardown(async () => {
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

t.test('a Redis run in its worker thread commits a version the service reads', async (t) => {
  const config = await parseConfig(yaml('redis.db'), 'test');
  let fed = 0;
  let trafficFed = 0;
  const service = new DiscoveryService({
    config: () => config.discovery!, sources: () => config.sources, log: pino({ level: 'silent' }),
    health: () => {
      fed++;
      return null;
    },
    traffic: () => {
      trafficFed++;
      return null;
    },
  });
  t.teardown(() => service.close());
  const id = await service.trigger('cache', 'aggressive');
  await service.settled('cache');
  const run = (await service.run(id))!;
  t.equal(run.status, 'succeeded', run.error ?? '');
  t.ok(run.datasets > 0);
  t.ok((await service.catalog.current('cache')).some((d) => d.schema === `db${DB}` && d.name === `${PREFIX}:order:{id}`), 'the worker\'s commit is visible to the service\'s own catalog');
  t.ok(fed >= 1, 'the throttle\'s signals are read on the main thread');
  t.equal(trafficFed, fed, 'live traffic\'s totals with every feed');
  t.equal(service.activeRun('cache'), null);
});

t.test('a worker that dies (out of its heap) fails the run with SLUICE_DISCOVERY_WORKER; the proxy goes on', async (t) => {
  const config = await parseConfig(yaml('crash.db'), 'test');
  const catalog = CatalogStore.open(config.discovery!.catalog);
  t.teardown(() => catalog.close());
  const runId = await catalog.startRun('cache', 'balanced', 'api');
  const progress = newProgress();
  const target = { kind: 'redis' as const, source: 'cache', host: '127.0.0.1', port: 6379, database: String(DB) };
  const ended = runInWorker({
    job: { runId, target, strategy: STRATEGY_PRESETS.balanced, catalog: config.discovery!.catalog, rules: [], redactSensitive: true },
    signals: () => ({ host: null, loopDelayMs: null, traffic: null }), progress, signal: new AbortController().signal, heapMb: 1,
  });
  const err = await ended.then(() => null, (e: unknown) => e);
  t.ok(err instanceof DiscoveryError);
  t.match(err, { code: 'SLUICE_DISCOVERY_WORKER', message: /the discovery worker thread (crashed|exited)/ });
  t.equal(progress.phase, 'failed');
});

t.test('cancelling reaches the worker: the run ends as cancelled', async (t) => {
  const config = await parseConfig(yaml('cancel.db'), 'test');
  const catalog = CatalogStore.open(config.discovery!.catalog);
  t.teardown(() => catalog.close());
  const runId = await catalog.startRun('cache', 'balanced', 'api');
  const abort = new AbortController();
  const target = { kind: 'redis' as const, source: 'cache', host: '127.0.0.1', port: 6379, database: String(DB) };
  // A host that is down holds the run at its first statement until the cancel arrives.
  const ended = runInWorker({
    job: { runId, target, strategy: STRATEGY_PRESETS.balanced, catalog: config.discovery!.catalog, rules: [], redactSensitive: true },
    signals: () => {
      abort.abort();
      return { host: { state: 'down', role: 'replica', latencyEwma: 1, inFlight: 0, lagSeconds: null }, loopDelayMs: null, traffic: null };
    },
    progress: newProgress(), signal: abort.signal,
  });
  await t.rejects(ended, { code: 'SLUICE_DISCOVERY_CANCELLED' });
});
