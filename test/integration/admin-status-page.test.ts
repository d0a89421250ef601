// The status page's two routes over HTTP: GET / (HTML, its Content-Security-Policy, served
// without a token) and GET /v1/stats/history (rates sampled once a second), plus the
// sampler's arithmetic on a fake inventory with a fake clock.
import t from 'tap';
import { createHash } from 'node:crypto';
import vm from 'node:vm';
import pg from 'pg';
import { generateAdminToken } from '../../src/auth/admin-tokens.js';
import type { PoolView, StatsView } from '../../src/admin/inventory-types.js';
import { StatsHistory, type HistorySample, type SourceSample } from '../../src/admin/stats-history.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';

interface HistoryBody { intervalMs: number; capacity: number; startedAt: number; now: number; samples: HistorySample[] }

async function history(s: TestSluice, query = '', token?: string): Promise<{ status: number; body: HistoryBody }> {
  const res = await fetch(`${s.adminUrl}/v1/stats/history${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as HistoryBody };
}

function app(sample: HistorySample | undefined): SourceSample | undefined {
  return sample?.sources.find((x) => x.source === 'app');
}

/** Poll until `check` passes: samples arrive on the sampler's clock, not on any event a test can await. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 6000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

t.test('GET / serves the page with a policy that forbids loading anything from elsewhere', async (t) => {
  const s = await startSluice({ admin: true });
  t.teardown(() => s.stop());
  const res = await fetch(s.adminUrl + '/');
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/html; charset=utf-8/);
  t.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const html = await res.text();

  const csp = new Map((res.headers.get('content-security-policy') ?? '').split(';').map((d) => {
    const [name = '', ...values] = d.trim().split(/\s+/);
    return [name, values] as const;
  }));
  t.strictSame(csp.get('default-src'), ["'none'"], 'everything not named below is refused');
  t.strictSame(csp.get('connect-src'), ["'self'"], 'the script talks to this port only');
  t.strictSame(csp.get('img-src'), ['data:']);
  t.strictSame(csp.get('frame-ancestors'), ["'none'"]);
  const allowed = [...csp.values()].flat();
  t.notOk(allowed.some((v) => /^https?:|\*|unsafe-/.test(v)), 'no origin, wildcard, inline or eval allowance');

  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
  t.equal(scripts.length, 1, 'one inline script');
  t.equal(styles.length, 1, 'one inline stylesheet');
  t.strictSame(csp.get('script-src'), [sha256(scripts[0]!)], 'script allowed by its hash only');
  t.strictSame(csp.get('style-src'), [sha256(styles[0]!)], 'stylesheet allowed by its hash only');
  t.doesNotThrow(() => new vm.Script(scripts[0]!), 'the script parses');
  t.notMatch(html, /<script[^>]+src=|<link[^>]+href="(?!data:)|@import|url\(|https?:\/\//, 'no external script, stylesheet, font or URL');
  t.notMatch(html, / on[a-z]+=| style=/, 'no inline handlers or style attributes (the policy would block them)');
  for (const id of ['pools', 'hosts', 'chart-tps', 'chart-latency', 'version', 'uptime', 'token-form']) t.match(html, `id="${id}"`, `has #${id}`);
});

t.test('GET /v1/stats/history after traffic', async (t) => {
  const s = await startSluice({ admin: true, size: 2 });
  t.teardown(() => s.stop());
  const c = new pg.Client({ connectionString: s.url() });
  await c.connect();
  t.teardown(() => c.end().catch(() => {}));
  const N = 25;
  for (let i = 0; i < N; i++) await c.query('SELECT $1::int AS n', [i]);

  let body: HistoryBody | undefined;
  await until(async () => {
    body = (await history(s)).body;
    return body.samples.length >= 2 && (app(body.samples.at(-1))?.transactions ?? 0) >= N;
  }, `two samples, the last counting ${N} transactions`);
  const h = body!;
  t.equal(h.intervalMs, 1000);
  t.equal(h.capacity, 600, 'ten minutes at one a second');
  t.ok(h.startedAt <= h.now && h.samples.every((x) => x.at > h.startedAt && x.at <= h.now), 'samples between start and now');
  t.ok(h.samples.every((x, i) => i === 0 || x.at > h.samples[i - 1]!.at), 'oldest first');

  const last = app(h.samples.at(-1))!;
  t.equal(last.transactions, N, 'totals since start');
  t.equal(last.queries, N);
  t.ok(last.bytesIn > 0 && last.bytesOut > 0);
  t.equal(last.clActive, 0, 'the client sits idle between queries');
  t.equal(last.clWaiting, 0);
  const busy = h.samples.map(app).filter((x): x is SourceSample => x !== undefined && x.tps > 0);
  t.ok(busy.length > 0, 'some interval saw transactions');
  t.ok(busy.every((x) => x.avgTransactionTimeUs !== null && x.avgTransactionTimeUs > 0 && x.qps > 0), 'average times where there were transactions');
  for (let i = 1; i < h.samples.length; i++) {
    const [a, b] = [app(h.samples[i - 1]), app(h.samples[i])];
    if (a === undefined || b === undefined) continue;
    const seconds = (h.samples[i]!.at - h.samples[i - 1]!.at) / 1000;
    t.ok(Math.abs(b.tps * seconds - (b.transactions - a.transactions)) < 1e-6, `sample ${i}: tps is the delta of totals over the interval`);
    if (b.tps === 0) t.equal(b.avgTransactionTimeUs, null, `sample ${i}: no transaction, no average`);
  }
  const stats = (await (await fetch(s.adminUrl + '/v1/stats')).json()) as StatsView[];
  t.equal(stats.find((x) => x.source === 'app')?.transactions, N, 'agrees with /v1/stats');

  const cut = h.samples.at(-1)!.at;
  const later = await history(s, `?since=${cut}`);
  t.equal(later.status, 200);
  t.ok(later.body.samples.every((x) => x.at > cut), 'since returns only newer samples');
  t.equal((await history(s, '?since=-1')).status, 400, 'since is validated');
  t.equal((await history(s, '?since=soon')).status, 400);

  const doc = (await (await fetch(s.adminUrl + '/v1/openapi.json')).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  t.match(doc.paths['/v1/stats/history']?.get?.responses['200'], {
    content: { 'application/json': { schema: { type: 'object', properties: { samples: { type: 'array', items: { properties: { sources: { type: 'array' } } } } } } } },
  }, 'the response schema is published');
  t.ok(doc.paths['/']?.get, 'the page is listed');
});

t.test('with tokens: the page is public, its history is not', async (t) => {
  const token = generateAdminToken();
  const s = await startSluice({ admin: true, adminTokens: [{ name: 'watcher', role: 'viewer', token }] });
  t.teardown(() => s.stop());
  t.equal((await fetch(s.adminUrl + '/')).status, 200, 'no token needed for the page');
  t.equal((await history(s)).status, 401, 'history needs a token');
  t.equal((await history(s, '', 'sluice_wrong')).status, 401);
  t.equal((await history(s, '', token)).status, 200, 'a viewer may read it');
});

t.test('StatsHistory on a fake inventory and clock', async (t) => {
  let now = 1_000_000;
  let stats: StatsView[] = [];
  let pools: Pick<PoolView, 'source' | 'clActive' | 'clWaiting'>[] = [];
  const totals = (source: string, user: string, n: number, timeUs: number, waits = 0, waitUs = 0): StatsView => ({
    source, user, transactions: n, queries: 2 * n, bytesIn: 100 * n, bytesOut: 200 * n,
    transactionTimeUs: timeUs, queryTimeUs: timeUs, waitTimeUs: waitUs, waitCount: waits,
  });
  const h = new StatsHistory({ stats: () => stats, pools: () => pools as PoolView[] }, { capacity: 3, now: () => now });

  h.sample();
  t.strictSame(h.samples(), [], 'the first reading is only the baseline');

  now += 2000;
  stats = [totals('app', 'a', 10, 5000, 2, 800), totals('app', 'b', 10, 15000), totals('other', 'a', 0, 0)];
  pools = [{ source: 'app', clActive: 3, clWaiting: 1 }, { source: 'app', clActive: 1, clWaiting: 0 }];
  h.sample();
  const [first] = h.samples();
  t.strictSame(first, {
    at: now,
    sources: [
      { source: 'app', transactions: 20, queries: 40, bytesIn: 2000, bytesOut: 4000, tps: 10, qps: 20, bytesInPerSec: 1000, bytesOutPerSec: 2000,
        waitsPerSec: 1, avgTransactionTimeUs: 1000, avgQueryTimeUs: 500, avgWaitTimeUs: 400, clActive: 4, clWaiting: 1 },
      { source: 'other', transactions: 0, queries: 0, bytesIn: 0, bytesOut: 0, tps: 0, qps: 0, bytesInPerSec: 0, bytesOutPerSec: 0,
        waitsPerSec: 0, avgTransactionTimeUs: null, avgQueryTimeUs: null, avgWaitTimeUs: null, clActive: 0, clWaiting: 0 },
    ],
  }, 'per source: users summed, rates over 2 s, averages over the interval, nulls where nothing finished');

  now += 1000;
  stats = [totals('app', 'a', 4, 400)];
  h.sample();
  t.match(h.samples().at(-1)!.sources, [{ source: 'app', transactions: 4, tps: 4, avgTransactionTimeUs: 100 }], 'a total that went down counts from zero (pool replaced by a reload)');

  for (let i = 0; i < 3; i++) { now += 1000; h.sample(); }
  const kept = h.samples();
  t.equal(kept.length, 3, 'the ring keeps its capacity');
  t.equal(kept.at(-1)!.at, now, 'newest last');
  t.ok(kept.every((x, i) => i === 0 || x.at > kept[i - 1]!.at), 'still oldest first after wrapping');
  t.strictSame(h.samples(now - 1000).map((x) => x.at), [now], 'samples(after) filters by time');
});
