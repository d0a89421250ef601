import fc from 'fast-check';
import t from 'tap';
import type { HealthState, ObservedRole } from '../../src/health/types.js';
import { HostChooser, type HostCandidate, type WorkNeed } from '../../src/router/host-choice.js';
import { routingOptions, type RoutingOptions } from '../../src/router/routing-options.js';
import { ZoneTiers, zoneMatches } from '../../src/router/zone-tiers.js';

interface Fake {
  name: string;
  zone: string;
  weight: number;
  spare: number;
  health: { state: HealthState; role: ObservedRole; latencyEwma: number; inFlight: number; lagSeconds: number | null; utilisation?: number };
}

function host(name: string, over: Partial<Omit<Fake, 'health'>> & Partial<Fake['health']> = {}): HostCandidate<string> & Fake {
  return {
    host: name,
    name,
    zone: over.zone ?? 'z1',
    weight: over.weight ?? 1,
    spare: over.spare ?? 5,
    health: {
      state: over.state ?? 'healthy',
      role: over.role ?? 'replica',
      latencyEwma: over.latencyEwma ?? 1,
      inFlight: over.inFlight ?? 0,
      lagSeconds: over.lagSeconds ?? null,
    },
  };
}

/** A seeded generator, so simulations are the same on every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function chooser(over: Partial<RoutingOptions> = {}, seed = 1): HostChooser {
  return new HostChooser(routingOptions(over), seeded(seed));
}

function pick(c: HostChooser, hosts: HostCandidate<string>[], need: WorkNeed): string {
  const r = c.choose(hosts, need);
  return r.ok ? r.host : `none:${r.reason}`;
}

t.test('zone tiers: exact, prefix with ":" or "*", the rest last', async (t) => {
  t.ok(zoneMatches('aws:', 'aws:us-east-1a'));
  t.ok(zoneMatches('aws:us-east-1*', 'aws:us-east-1b'));
  t.ok(zoneMatches('onprem:dc1', 'onprem:dc1'));
  t.notOk(zoneMatches('onprem:dc', 'onprem:dc1'), 'no prefix match without ":" or "*"');
  t.notOk(zoneMatches('aws:', 'gcp:aws:'));
  const tiers = new ZoneTiers(['aws:us-east-1a', 'aws:']);
  t.equal(tiers.tierOf('aws:us-east-1a'), 0);
  t.equal(tiers.tierOf('aws:us-west-2'), 1);
  t.equal(tiers.tierOf('onprem:dc1'), 2);
  t.equal(tiers.tierOf('onprem:dc1'), 2, 'cached');
  t.equal(tiers.count, 3);
});

t.test('roles: writes go to the primary; reads to replicas, the primary as primary_reads says', async (t) => {
  const primary = host('p', { role: 'primary' });
  const replica = host('r', { role: 'replica' });
  const unknown = host('u', { role: 'unknown' });
  const all = [primary, replica, unknown];
  t.equal(pick(chooser(), all, 'write'), 'p');
  t.equal(pick(chooser(), all, 'read'), 'r');
  t.equal(pick(chooser(), [primary, unknown], 'read'), 'p', 'fallback: the primary when no replica may serve');
  t.equal(pick(chooser({ primary_reads: 'never' }), [primary, unknown], 'read'), 'none:no-replica');
  t.equal(pick(chooser(), [replica, unknown], 'write'), 'none:no-primary');
  t.equal(pick(chooser(), [unknown], 'read'), 'none:no-host');
  t.equal(pick(chooser(), [unknown], 'any'), 'u', 'any takes every role');
  const always = chooser({ primary_reads: 'always' });
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) seen.add(pick(always, [primary, replica], 'read'));
  t.same([...seen].sort(), ['p', 'r'], 'always: the primary shares reads with replicas');
  const fallback = chooser();
  for (let i = 0; i < 100; i++) seen.add(pick(fallback, [primary, replica], 'read'));
  t.equal(pick(fallback, [primary, host('r2', { state: 'down' })], 'read'), 'p');
});

t.test('down, half-open and draining hosts are never chosen; roles are respected', async (t) => {
  const states: HealthState[] = ['down', 'half-open', 'draining'];
  for (const state of states) {
    t.equal(pick(chooser(), [host('p', { role: 'primary', state })], 'write'), 'none:no-primary', state);
  }
  fc.assert(fc.property(
    fc.array(fc.record({
      state: fc.constantFrom<HealthState>('healthy', 'degraded', 'down', 'half-open', 'draining'),
      role: fc.constantFrom<ObservedRole>('primary', 'replica', 'unknown'),
      zone: fc.constantFrom('a', 'b', 'c'),
      latencyEwma: fc.double({ min: 0, max: 1000, noNaN: true }),
      inFlight: fc.nat(50),
      spare: fc.integer({ min: -2, max: 3 }),
      weight: fc.double({ min: 0.1, max: 10, noNaN: true }),
    }), { maxLength: 8 }),
    fc.constantFrom<WorkNeed>('write', 'read', 'any'),
    fc.integer(),
    (specs, need, seed) => {
      const hosts = specs.map((s, i) => host(`h${i}`, s));
      const c = chooser({ prefer_zones: ['b'], primary_reads: 'never' }, seed);
      for (let i = 0; i < 10; i++) {
        const r = c.choose(hosts, need);
        if (!r.ok) continue;
        const chosen = hosts.find((h) => h.host === r.host);
        if (chosen === undefined || (chosen.health.state !== 'healthy' && chosen.health.state !== 'degraded')) return false;
        // Roles hold too: writes only on a primary, reads (primary_reads: never) only on a replica.
        if (need === 'write' && chosen.health.role !== 'primary') return false;
        if (need === 'read' && chosen.health.role !== 'replica') return false;
      }
      return true;
    },
  ));
});

t.test('power of two choices: 10× the latency gets well under a fifth of the picks', async (t) => {
  // Each pick holds its host for a time proportional to its latency, as real work would.
  const fast = host('fast', { latencyEwma: 2 });
  const slow = host('slow', { latencyEwma: 20 });
  const c = chooser({}, 42);
  const picks = { fast: 0, slow: 0 };
  const ends: { at: number; h: Fake }[] = [];
  // Ten arrivals per tick: enough load that in-flight work builds up on the fast host.
  for (let tick = 0; tick < 2_000; tick++) {
    for (let i = ends.length - 1; i >= 0; i--) {
      const e = ends[i] as { at: number; h: Fake };
      if (e.at <= tick) { e.h.health.inFlight--; ends.splice(i, 1); }
    }
    for (let n = 0; n < 10; n++) {
      const r = c.choose([fast, slow], 'read');
      if (!r.ok) throw new Error('no host');
      const h = r.host === 'fast' ? fast : slow;
      picks[r.host as 'fast' | 'slow']++;
      h.health.inFlight++;
      ends.push({ at: tick + h.health.latencyEwma, h });
    }
  }
  t.ok(picks.fast >= 5 * picks.slow, `fast ${picks.fast} : slow ${picks.slow}`);
  t.ok(picks.slow > 0, 'the slow host still gets some work: it is not ejected');
});

t.test('equal hosts share evenly; weight tilts the share', async (t) => {
  const a = host('a');
  const b = host('b');
  const c = chooser({}, 7);
  const counts: Record<string, number> = { a: 0, b: 0 };
  for (let i = 0; i < 10_000; i++) {
    const r = c.choose([a, b], 'read');
    if (r.ok) counts[r.host] = (counts[r.host] ?? 0) + 1;
  }
  t.ok(Math.abs((counts.a ?? 0) - 5_000) < 300, `even split ${JSON.stringify(counts)}`);
  const heavy = host('heavy', { weight: 4, inFlight: 4 });
  const light = host('light', { weight: 1, inFlight: 0 });
  t.equal(pick(chooser(), [heavy, light], 'read'), 'light', '1×5÷4 loses to 1×1÷1');
  heavy.health.inFlight = 0;
  t.equal(pick(chooser(), [heavy, light], 'read'), 'heavy');
});

t.test('a host without a latency sample is scored as the slowest known', async (t) => {
  const fresh = host('fresh', { latencyEwma: 0, inFlight: 3 });
  const known = host('known', { latencyEwma: 5, inFlight: 1 });
  t.equal(pick(chooser(), [fresh, known], 'read'), 'known', '5×4 loses to 5×2');
  fresh.health.inFlight = 0;
  t.equal(pick(chooser(), [fresh, known], 'read'), 'fresh');
});

t.test('a host whose pools are full is saturated though its spare figure says otherwise: spill to the next tier', async (t) => {
  const c = chooser({ prefer_zones: ['near', 'mid'] });
  const near = host('near', { zone: 'near', spare: Infinity });
  const mid = host('mid', { zone: 'mid', spare: Infinity });
  near.health.utilisation = 0.75;
  t.equal(pick(c, [mid, near], 'read'), 'near', 'room left: the first tier');
  near.health.utilisation = 1;
  t.equal(pick(c, [mid, near], 'read'), 'mid', 'full: spill');
  mid.health.utilisation = 1.25;
  t.match(c.choose([mid, near], 'read'), { ok: true, host: 'near', saturated: true, tier: 0 }, 'all full: queue in the first tier');
});

t.test('tiers: spill to the next only when the earlier one is saturated or unhealthy', async (t) => {
  const c = chooser({ prefer_zones: ['near', 'mid'] });
  const near = host('near', { zone: 'near', latencyEwma: 50 });
  const mid = host('mid', { zone: 'mid', latencyEwma: 1 });
  const far = host('far', { zone: 'elsewhere', latencyEwma: 1 });
  t.equal(pick(c, [far, mid, near], 'read'), 'near', 'the first tier wins though slower');
  near.spare = 0;
  t.equal(pick(c, [far, mid, near], 'read'), 'mid', 'saturated: spill');
  near.spare = 5;
  near.health.state = 'degraded';
  t.equal(pick(c, [far, mid, near], 'read'), 'mid', 'only degraded: spill to a healthy tier');
  mid.health.state = 'down';
  t.equal(pick(c, [far, mid, near], 'read'), 'far');
  far.health.state = 'draining';
  t.equal(pick(c, [far, mid, near], 'read'), 'near', 'degraded serves when nothing healthy is left');
  near.spare = 0;
  const r = c.choose([far, mid, near], 'read');
  t.match(r, { ok: true, host: 'near', saturated: true, tier: 0 }, 'every usable host saturated: queue where it would have gone');
  t.equal(c.saturatedChoices, 1);

  fc.assert(fc.property(
    fc.array(fc.record({
      zone: fc.constantFrom('a', 'b', 'c', 'x'),
      state: fc.constantFrom<HealthState>('healthy', 'degraded', 'down'),
      spare: fc.integer({ min: 0, max: 2 }),
      latencyEwma: fc.double({ min: 0.1, max: 100, noNaN: true }),
    }), { minLength: 1, maxLength: 8 }),
    fc.integer(),
    (specs, seed) => {
      const hosts = specs.map((s, i) => host(`h${i}`, s));
      const tiers = new ZoneTiers(['a', 'b', 'c']);
      const r = chooser({ prefer_zones: ['a', 'b', 'c'] }, seed).choose(hosts, 'read');
      const usable = hosts.filter((h) => h.health.state !== 'down');
      if (!r.ok) return usable.length === 0;
      const chosen = hosts.find((h) => h.host === r.host) as Fake;
      const rank = (h: Fake): number => (h.spare > 0 ? 0 : 8) + (h.health.state === 'healthy' ? 0 : 4) + tiers.tierOf(h.zone);
      // No usable host ranks better: an earlier tier was used if it had a healthy host with room.
      return usable.every((h) => rank(h) >= rank(chosen)) && r.tier === tiers.tierOf(chosen.zone);
    },
  ));
});

t.test('replicas lagging beyond replica_lag_max take no reads; unknown lag is allowed', async (t) => {
  const c = chooser({ replica_lag_max: 5_000 });
  const lagging = host('lagging', { lagSeconds: 12, latencyEwma: 0.1 });
  const fine = host('fine', { lagSeconds: 1, latencyEwma: 10 });
  t.equal(pick(c, [lagging, fine], 'read'), 'fine');
  t.ok(c.laggingSkipped >= 1);
  fine.health.lagSeconds = null;
  t.equal(pick(c, [lagging, fine], 'read'), 'fine');
  fine.health.state = 'down';
  t.equal(pick(c, [lagging, fine, host('p', { role: 'primary' })], 'read'), 'p', 'lagging replicas fall back to the primary');
  lagging.health.lagSeconds = 4;
  t.equal(pick(c, [lagging, fine], 'read'), 'lagging', 'caught up: back in');
  const unlimited = chooser({ replica_lag_max: 0 });
  lagging.health.lagSeconds = 3_600;
  t.equal(pick(unlimited, [lagging], 'read'), 'lagging', '0 disables the limit');
  t.equal(pick(c, [lagging], 'any'), 'lagging', 'the limit is for reads');
});

t.test('routing options: defaults and checks', async (t) => {
  const o = routingOptions();
  t.same(o, { read_write_split: false, prefer_zones: [], replica_lag_max: 10_000, primary_reads: 'fallback', failover_timeout: 30_000 });
  t.throws(() => routingOptions({ replica_lag_max: -1 }), RangeError);
  t.throws(() => routingOptions({ failover_timeout: Number.NaN }), RangeError);
  const zones = ['a'];
  t.not(routingOptions({ prefer_zones: zones }).prefer_zones, zones, 'copied');
});
