/** Brute-force protection on /metrics: failures, delayed answers, lockouts and refusals by scope. */
import type { Registry } from 'prom-client';
import type { LoginGuard } from '../auth/login-guard.js';
import { scrapedSeries } from './scraped-series.js';

export function registerLoginGuardMetrics(register: Registry, guard: LoginGuard): void {
  const t = guard.totals;
  scrapedSeries(register, 'counter', 'sluice_login_failures_total', 'Failed client logins (wrong password), every protocol', [], () => [[{}, t.failures]]);
  scrapedSeries(register, 'counter', 'sluice_login_delayed_total', 'Failed logins answered late by brute-force protection', [], () => [[{}, t.delayed]]);
  scrapedSeries(register, 'counter', 'sluice_login_lockouts_total', 'Lockouts started, by scope (user: one source and user; address: one client address)', ['scope'], () => [[{ scope: 'user' }, t.lockouts.user], [{ scope: 'address' }, t.lockouts.address]]);
  scrapedSeries(register, 'counter', 'sluice_login_locked_refusals_total', 'Logins refused because their user or address was locked out', ['scope'], () => [[{ scope: 'user' }, t.refused.user], [{ scope: 'address' }, t.refused.address]]);
  scrapedSeries(register, 'gauge', 'sluice_login_locked', 'Users and addresses locked out now', ['scope'], () => {
    const locked = guard.lockedNow();
    return [[{ scope: 'user' }, locked.user], [{ scope: 'address' }, locked.address]];
  });
}
