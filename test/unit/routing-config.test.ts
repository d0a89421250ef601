import t from 'tap';
import { parseConfig } from '../../src/config/load.js';
import type { PostgresSourceConfig } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';
import { probeSettings } from '../../src/proxy/postgres/pg-probe.js';
import { routingOptions } from '../../src/router/routing-options.js';

const yaml = (extra: string): string => `
sources:
  app:
    kind: postgres
    hosts:
      - { host: a, role: primary, zone: "aws:us-east-1a" }
      - { host: b, role: replica, zone: "onprem:dc1", weight: 2 }
    users: [{ name: app, password: p }]
${extra}`;

async function app(extra: string): Promise<PostgresSourceConfig> {
  const s = (await parseConfig(yaml(extra), 'routing.yaml', { env: {} })).sources.app;
  if (s?.kind !== 'postgres') throw new Error('no postgres source');
  return s;
}

async function issuesOf(extra: string): Promise<readonly string[]> {
  try {
    await parseConfig(yaml(extra), 'routing.yaml', { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('configuration was accepted');
}

t.test('routing and health resolve with durations in milliseconds', async (t) => {
  const s = await app(`    routing:
      read_write_split: true
      prefer_zones: ["aws:", onprem:dc1]
      replica_lag_max: 2s
      primary_reads: never
      failover_timeout: 1m
    health: { probe_interval: 500ms, probe_timeout: 250ms }
`);
  t.strictSame(s.routing, { read_write_split: true, prefer_zones: ['aws:', 'onprem:dc1'], replica_lag_max: 2000, primary_reads: 'never', failover_timeout: 60_000 });
  t.strictSame(s.health, { probe_interval: 500, probe_timeout: 250 });
  t.strictSame(probeSettings(s), { intervalMs: 500, timeoutMs: 250 });
});

t.test('an empty block takes the documented defaults; no block means the same', async (t) => {
  const s = await app('    routing: {}\n    health: {}\n');
  t.strictSame(s.routing, routingOptions());
  t.strictSame(s.health, { probe_interval: 1000, probe_timeout: 1000 });
  const bare = await app('');
  t.equal(bare.routing, undefined);
  t.strictSame(routingOptions(bare.routing), routingOptions());
  t.strictSame(probeSettings(bare), { intervalMs: 1000, timeoutMs: 1000 });
});

t.test('bad values name their key', async (t) => {
  t.match(await issuesOf('    routing: { primary_reads: sometimes }\n'), [/sources\.app\.routing\.primary_reads: must be one of fallback, always, never/]);
  t.match(await issuesOf('    routing: { failover_timeout: soon }\n'), [/sources\.app\.routing\.failover_timeout: must be a duration/]);
  t.match(await issuesOf('    routing: { read_write_splt: true }\n'), [/sources\.app\.routing\.read_write_splt: unknown key/]);
  t.match(await issuesOf('    health: { probe_interval: 0 }\n'), [/sources\.app\.health\.probe_interval: must be more than 0/]);
});
