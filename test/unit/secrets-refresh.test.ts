import t from 'tap';
import pino from 'pino';
import { RefreshSchedule } from '../../src/auth/secrets/backends/refresh-schedule.js';
import { SecretRefresher } from '../../src/auth/secrets/secret-refresher.js';

const context = { env: {}, baseDir: '/' };

t.test('RefreshSchedule serves cached values until due, and forgets references no longer used', async (t) => {
  let now = 1000;
  const schedule = new RefreshSchedule(() => now);
  let fetches = 0;
  const resolve = schedule.resolver('kv', (argument) => ({ value: `${argument}-${++fetches}`, refreshAt: now + 100 }));
  schedule.beginPass();
  t.equal(await resolve('a', context), 'a-1');
  t.equal(await resolve('b', context), 'b-2');
  schedule.endPass();
  t.equal(schedule.nextRefreshAt(), 1100);
  now = 1050;
  t.equal(await resolve('a', context), 'a-1', 'cached before it is due');
  now = 1100;
  schedule.beginPass();
  t.equal(await resolve('a', context), 'a-3', 'fetched again once due');
  schedule.endPass();
  t.equal(schedule.nextRefreshAt(), 1200, '"b" was not used in the last pass, so it no longer schedules anything');
  const never = schedule.resolver('env-like', () => ({ value: 'x', refreshAt: Infinity }));
  schedule.beginPass();
  await never('x', context);
  schedule.endPass();
  t.equal(schedule.nextRefreshAt(), Infinity);
});

t.test('SecretRefresher runs when due, retries after a failure, and stops', async (t) => {
  const log = pino({ level: 'silent' });
  // The refresher's timer is unref'd (it must not keep a stopping Sluice alive); this one keeps the test alive.
  const keepAlive = setInterval(() => undefined, 1000);
  t.teardown(() => clearInterval(keepAlive));
  let due = Date.now();
  let runs = 0;
  let failNext = true;
  const ran: (() => void)[] = [];
  const refresher = new SecretRefresher({
    due: () => due,
    run: async () => {
      runs++;
      ran.shift()?.();
      if (failNext) {
        failNext = false;
        throw Object.assign(new Error('backend down'), { code: 'SLUICE_SECRET_BACKEND_UNREACHABLE' });
      }
      due = Infinity;
    },
    log,
    retryMs: 20,
    minDelayMs: 0,
  });
  const next = () => new Promise<void>((resolve) => ran.push(resolve));
  const first = next();
  refresher.start();
  await first;
  t.equal(runs, 1, 'ran at the due time');
  await next();
  t.equal(runs, 2, 'retried after the failure');
  refresher.stop();
  t.equal(due, Infinity, 'nothing more is due after the successful run');
});
