/**
 * A wait for one host to serve again: what a single-host source does instead of failover.
 * New units of work for a host that is down wait up to failover_timeout for it to come back
 * (a restart, a short network cut) rather than failing at once; nothing was sent for them,
 * so they can go there when it does. Rejects with FailoverError as a routed write's wait does.
 */
import { FailoverError } from '../errors.js';
import type { HostHealth } from '../health/host-health.js';
import { realTimers, type Timers } from '../health/timers.js';
import type { HealthState } from '../health/types.js';

export function serving(state: HealthState): boolean {
  return state === 'healthy' || state === 'degraded';
}

/** Resolves once `health` is healthy or degraded; SLUICE_FAILOVER_TIMEOUT after timeoutMs, SLUICE_FAILOVER_CANCELLED on abort. */
export function waitForServing(health: HostHealth, timeoutMs: number, signal: AbortSignal, timers: Timers = realTimers): Promise<void> {
  if (serving(health.state)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err: FailoverError | null): void => {
      off();
      timers.clear(timer);
      signal.removeEventListener('abort', onAbort);
      if (err === null) resolve();
      else reject(err);
    };
    const onAbort = (): void => done(new FailoverError('SLUICE_FAILOVER_CANCELLED', 'the client gave up waiting for the host'));
    const off = health.listen({ stateChanged: (_h, _from, to) => { if (serving(to)) done(null); } });
    const timer = timers.set(() => done(new FailoverError('SLUICE_FAILOVER_TIMEOUT',
      `host ${health.key} did not come back within failover_timeout (${timeoutMs} ms); the transaction was not sent`)), timeoutMs);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
