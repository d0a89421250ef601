import t from 'tap';
import type { HostConfig } from '../../src/config/types.js';
import { HostRoster } from '../../src/router/host-roster.js';
import { HostSet } from '../../src/router/host-set.js';
import { routingOptions } from '../../src/router/routing-options.js';

const configs: HostConfig[] = [
  { host: '10.0.0.1', port: 5432, role: 'primary', zone: 'aws:us-east-1a', weight: 1 },
  { host: '10.0.0.2', port: 5432, role: 'replica', zone: 'aws:us-east-1a', weight: 1 },
  { host: '10.0.1.3', port: 5433, role: 'auto', zone: 'onprem:dc1', weight: 1 },
];

function roster(spare: Record<string, number> = {}) {
  const clock = { t: 0, now() { return this.t; } };
  const hosts = new HostSet(configs, { clock, random: () => 0, options: { ejectAfterProbeFailures: 1 } });
  const r = new HostRoster(hosts, {
    clock,
    random: () => 0,
    routing: routingOptions({ prefer_zones: ['onprem:'] }),
    spare: (h) => spare[h.key] ?? 5,
  });
  return { clock, hosts, r };
}

const hostOf = (c: ReturnType<HostRoster['choose']>): string => (c.ok ? c.host.key : `none:${c.reason}`);

t.test('configured roles seed the trackers; probes and zones steer the choice', async (t) => {
  const { r } = roster();
  t.same(r.entries.map((e) => e.health.role), ['primary', 'replica', 'unknown'], 'auto starts unknown');
  t.equal(r.entries[0]?.zone, 'aws:us-east-1a');
  t.equal(r.entries[2]?.weight, 1);
  t.equal(hostOf(r.choose('write')), '10.0.0.1:5432');
  t.equal(hostOf(r.choose('read')), '10.0.0.2:5432', 'the auto host takes no reads before its first probe');
  r.health('10.0.1.3:5433')?.recordProbe({ latencyMs: 4, inRecovery: true, lagSeconds: 0 });
  t.equal(hostOf(r.choose('read')), '10.0.1.3:5433', 'now a replica in the preferred zone');
  t.equal(r.failover.primary?.key, '10.0.0.1:5432');
  r.close();
});

t.test('spare capacity from the caller; the admin disable flag drains', async (t) => {
  const spare: Record<string, number> = {};
  const { hosts, r } = roster(spare);
  r.health('10.0.1.3:5433')?.recordProbe({ latencyMs: 4, inRecovery: true, lagSeconds: 0 });
  spare['10.0.1.3:5433'] = 0;
  t.equal(hostOf(r.choose('read')), '10.0.0.2:5432', 'the preferred tier is saturated: spill');
  spare['10.0.1.3:5433'] = 3;
  const onprem = hosts.find('10.0.1.3:5433');
  if (onprem) onprem.disabled = true;
  t.equal(hostOf(r.choose('read')), '10.0.0.2:5432');
  t.equal(r.health('10.0.1.3:5433')?.state, 'draining');
  if (onprem) onprem.disabled = false;
  t.equal(hostOf(r.choose('read')), '10.0.1.3:5433');
  t.equal(r.health('10.0.1.3:5433')?.state, 'healthy');
  t.equal(r.health('nope'), undefined);
  r.close();
});

t.test('a dead primary makes writes wait until a replica is promoted', async (t) => {
  const { clock, r } = roster();
  r.health('10.0.0.1:5432')?.recordProbeFailure('timeout');
  t.equal(hostOf(r.choose('write')), 'none:no-primary');
  t.equal(hostOf(r.choose('read')), '10.0.0.2:5432', 'reads carry on');
  const wait = r.failover.waitForPrimary(30_000);
  clock.t = 850;
  r.health('10.0.0.2:5432')?.recordProbe({ latencyMs: 1, inRecovery: false, lagSeconds: null });
  t.equal((await wait).key, '10.0.0.2:5432');
  t.equal(hostOf(r.choose('write')), '10.0.0.2:5432');
  t.equal(r.failover.lastGapMs, 850);
  r.close();
});

t.test('writes go to the one primary the tracker names, even with several configured', async (t) => {
  const clock = { now: () => 0 };
  const hosts = new HostSet([
    { host: 'a', port: 5432, role: 'primary', zone: '', weight: 1 },
    { host: 'b', port: 5432, role: 'primary', zone: '', weight: 100 },
  ], { clock });
  const r = new HostRoster(hosts, { clock, routing: routingOptions() });
  for (let i = 0; i < 20; i++) t.equal(hostOf(r.choose('write')), 'a:5432');
  r.health('b:5432')?.recordProbe({ latencyMs: 1, inRecovery: true, lagSeconds: 0 });
  r.health('a:5432')?.recordProbe({ latencyMs: 1, inRecovery: false, lagSeconds: null });
  t.equal(hostOf(r.choose('write')), 'a:5432');
  r.health('b:5432')?.recordProbe({ latencyMs: 1, inRecovery: false, lagSeconds: null });
  t.equal(hostOf(r.choose('write')), 'b:5432', 'the newest to report itself primary');
  r.close();
});
