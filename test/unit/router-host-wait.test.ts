import t from 'tap';
import { FailoverError } from '../../src/errors.js';
import { HostHealth } from '../../src/health/host-health.js';
import type { Timers } from '../../src/health/timers.js';
import { waitForServing } from '../../src/router/host-wait.js';

/** Timers fired by hand. */
function manualTimers(): Timers & { fire(): void; readonly pending: number } {
  const due = new Set<() => void>();
  return {
    set(fn) { due.add(fn); return fn; },
    clear(handle) { due.delete(handle as () => void); },
    fire() { for (const fn of [...due]) { due.delete(fn); fn(); } },
    get pending() { return due.size; },
  };
}

function downHost(): HostHealth {
  const h = new HostHealth('db:5432', { clock: { now: () => 0 }, random: () => 0, options: { ejectAfterProbeFailures: 1, ejectBaseMs: 1 } });
  h.recordProbeFailure('error');
  return h;
}

t.test('a serving host answers at once', async (t) => {
  const h = new HostHealth('db:5432', { clock: { now: () => 0 } });
  await waitForServing(h, 1_000, new AbortController().signal, manualTimers());
  t.pass('resolved');
});

t.test('a down host: resolves when it serves again, and leaves no timer or listener', async (t) => {
  let now = 0;
  const h = new HostHealth('db:5432', { clock: { now: () => now }, random: () => 0, options: { ejectAfterProbeFailures: 1, ejectBaseMs: 10 } });
  h.recordProbeFailure('error');
  t.equal(h.state, 'down');
  const timers = manualTimers();
  const wait = waitForServing(h, 1_000, new AbortController().signal, timers);
  now = 10;
  h.refresh();
  t.equal(h.state, 'half-open', 'half-open is not serving yet');
  h.recordProbe({ latencyMs: 1, inRecovery: false, lagSeconds: null });
  await wait;
  t.equal(timers.pending, 0);
});

t.test('timeout and abort reject with typed failover errors', async (t) => {
  const timers = manualTimers();
  const timedOut = waitForServing(downHost(), 400, new AbortController().signal, timers);
  timers.fire();
  const err = await timedOut.catch((e: unknown) => e);
  t.ok(err instanceof FailoverError);
  t.match(err, { code: 'SLUICE_FAILOVER_TIMEOUT', message: /db:5432 did not come back within failover_timeout \(400 ms\)/ });
  const abort = new AbortController();
  const cancelled = waitForServing(downHost(), 400, abort.signal, timers);
  abort.abort();
  t.match(await cancelled.catch((e: unknown) => e), { code: 'SLUICE_FAILOVER_CANCELLED' });
  t.equal(timers.pending, 0);
  const already = new AbortController();
  already.abort();
  t.match(await waitForServing(downHost(), 400, already.signal, timers).catch((e: unknown) => e), { code: 'SLUICE_FAILOVER_CANCELLED' });
});
