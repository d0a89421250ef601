// VerifierCache (auth_query's answers): TTLs, shared lookups, failures not kept, clear().
import t from 'tap';
import { VerifierCache } from '../../src/auth/verifier-cache.js';

function setup(ttlMs: number, answers: Record<string, string | null>) {
  let now = 1_000;
  const asked: string[] = [];
  const cache = new VerifierCache(async (user) => {
    asked.push(user);
    if (!(user in answers)) throw new Error('lookup failed');
    return answers[user]!;
  }, ttlMs, () => now);
  return { cache, asked, advance: (ms: number) => { now += ms; } };
}

t.test('a verifier is kept for the TTL, a missing user for a tenth of it', async (t) => {
  const { cache, asked, advance } = setup(60_000, { alice: 'SCRAM-SHA-256$x', ghost: null });
  t.equal(cache.fresh('alice'), undefined, 'nothing before the first lookup');
  t.equal(await cache.refresh('alice'), 'SCRAM-SHA-256$x');
  t.equal(await cache.refresh('ghost'), null);
  advance(5_999);
  t.equal(cache.fresh('alice'), 'SCRAM-SHA-256$x');
  t.equal(cache.fresh('ghost'), null, 'the missing user is remembered');
  advance(1);
  t.equal(cache.fresh('ghost'), undefined, 'for 6 s of a 60 s TTL');
  advance(54_000);
  t.equal(cache.fresh('alice'), undefined, 'and the verifier for 60 s');
  t.strictSame(asked, ['alice', 'ghost']);
  t.strictSame(cache.totals, { hits: 2, found: 1, missing: 1, failed: 0 }, 'counted for /metrics: two lookups, two logins answered from the cache');
});

t.test('logins arriving during a lookup share it; a failure is not kept', async (t) => {
  const { cache, asked } = setup(60_000, { bob: 'md5abc' });
  const [a, b] = await Promise.all([cache.refresh('bob'), cache.refresh('bob')]);
  t.equal(a, 'md5abc');
  t.equal(b, 'md5abc');
  t.strictSame(asked, ['bob'], 'one lookup');
  await t.rejects(cache.refresh('carol'), /lookup failed/);
  t.equal(cache.fresh('carol'), undefined);
  await t.rejects(cache.refresh('carol'), /lookup failed/);
  t.strictSame(asked, ['bob', 'carol', 'carol'], 'the next login asks again');
  t.strictSame(cache.totals, { hits: 0, found: 1, missing: 0, failed: 2 }, 'a shared lookup counts once; each failure counts');
});

t.test('clear() forgets answers, including one still on its way', async (t) => {
  const { cache } = setup(60_000, { dave: 'md5d', frank: 'md5f' });
  await cache.refresh('dave');
  const lookup = cache.refresh('frank');
  cache.clear(60_000);
  t.equal(cache.fresh('dave'), undefined);
  t.equal(await lookup, 'md5f', 'the login that asked still gets its answer');
  t.equal(cache.fresh('frank'), undefined, 'but it is not kept past clear()');
});

t.test('a TTL of 0 keeps nothing', async (t) => {
  const { cache, asked } = setup(0, { gina: 'md5g' });
  await cache.refresh('gina');
  t.equal(cache.fresh('gina'), undefined);
  await cache.refresh('gina');
  t.equal(asked.length, 2);
});
