import t from 'tap';
import { LoginGuard, GUARD_DEFAULTS, lockoutMessage } from '../../src/auth/login-guard.js';

const config = { ...GUARD_DEFAULTS, window: 60_000, user_delay_after: 2, user_lockout_after: 4, address_delay_after: 5, address_lockout_after: 7, delay: 100, max_delay: 300, lockout: 10_000 };
const alice = { protocol: 'postgres', source: 'app', user: 'alice', address: '10.0.0.1' };
const bob = { ...alice, user: 'bob' };

t.test('per user: free failures, growing delays, lockout, cool-down', async (t) => {
  let now = 0;
  const guard = new LoginGuard(config, () => now);
  t.same([1, 2, 3].map(() => guard.failure(alice).delayMs), [0, 0, 100]);
  const fourth = guard.failure(alice);
  t.same(fourth.locked, ['user'], 'the 4th failure locks the user');
  t.same(guard.check(alice), { scope: 'user', retryAfterMs: 10_000 });
  t.equal(guard.check(bob), null, 'another user of the same address is not locked');
  t.same(guard.lockedNow(), { user: 1, address: 0 });
  t.match(lockoutMessage(guard.check(alice)!, 'alice'), /too many failed logins for user "alice"; try again in 10 s/);
  now += 10_000;
  t.equal(guard.check(alice), null, 'free again after the cool-down');
  t.equal(guard.failure(alice).delayMs, 0, 'counting starts over');
  t.same(guard.totals.lockouts, { user: 1, address: 0 });
  t.same(guard.totals.refused, { user: 2, address: 0 });
});

t.test('delays double up to max_delay', async (t) => {
  const guard = new LoginGuard({ ...config, user_lockout_after: 100, address_lockout_after: 100, address_delay_after: 100 }, () => 0);
  t.same([1, 2, 3, 4, 5, 6].map(() => guard.failure(alice).delayMs), [0, 0, 100, 200, 300, 300]);
});

t.test('per address: many users from one address lock the address', async (t) => {
  const guard = new LoginGuard({ ...config, user_lockout_after: 100, user_delay_after: 100 }, () => 0);
  const outcomes = Array.from({ length: 7 }, (_, i) => guard.failure({ ...alice, user: `u${i}` }));
  t.same(outcomes.map((o) => o.delayMs), [0, 0, 0, 0, 0, 100, 0]);
  t.same(outcomes[6]!.locked, ['address']);
  t.same(guard.check({ ...alice, user: 'anyone' })?.scope, 'address');
  t.equal(guard.check({ ...alice, address: '10.0.0.2' }), null, 'other addresses are not locked');
});

t.test('a success clears its user, not the address; the window forgets old failures', async (t) => {
  let now = 0;
  const guard = new LoginGuard(config, () => now);
  guard.failure(alice);
  guard.failure(alice);
  guard.success(alice);
  t.equal(guard.failure(alice).delayMs, 0, 'user count restarted by the success');
  now += 61_000;
  guard.failure(alice);
  t.equal(guard.failure(alice).delayMs, 0, 'failures older than the window are forgotten');
});

t.test('disabled: counts, never delays or locks', async (t) => {
  const guard = new LoginGuard({ ...config, enabled: false }, () => 0);
  for (let i = 0; i < 10; i++) t.same(guard.failure(alice), { delayMs: 0, locked: [] });
  t.equal(guard.check(alice), null);
  t.equal(guard.totals.failures, 10);
});
