// Each host's health from traffic and probes, as the admin API and Prometheus show it.
import t from 'tap';
import net from 'node:net';
import pg from 'pg';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { countBackends, ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE, waitForBackends } from '../helpers/postgres.js';
import type { HostHealthView } from '../../src/admin/inventory-types.js';

interface Host { key: string; health: HostHealthView }

async function hosts(s: TestSluice): Promise<Host[]> {
  return (await fetch(`${s.adminUrl}/v1/hosts`)).json() as Promise<Host[]>;
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

t.test('a working primary: probed role, latency from traffic, one probe connection', async (t) => {
  const s = await startSluice({ admin: true, size: 2 });
  t.teardown(() => s.stop());
  const c = new pg.Client({ connectionString: s.url() });
  await c.connect();
  for (let i = 0; i < 20; i++) await c.query('SELECT pg_sleep(0.002)');
  await c.end();

  const [host] = await until(() => hosts(s), (h) => h[0]?.health.lagSeconds === null && h[0]?.health.latencyEwmaMs > 1, 'a probe and traffic');
  t.match(host!.health, { state: 'healthy', observedRole: 'primary', errorRate: 0, inFlight: 0, lagSeconds: null });
  t.ok(host!.health.latencyEwmaMs >= 2, `latency EWMA follows the 2 ms queries (${host!.health.latencyEwmaMs.toFixed(2)} ms)`);
  t.ok(host!.health.score > 0);
  t.equal(await countBackends({ usename: TEST_ROLE, application_name: 'sluice-probe' }), 1, 'one probe connection to the host, named in pg_stat_activity');

  const metrics = await (await fetch(`${s.adminUrl}/metrics`)).text();
  const labels = 'source="app",host="127.0.0.1:5432",protocol="postgres"';
  t.match(metrics, new RegExp(`^sluice_host_state\\{${labels},state="healthy"\\} 1$`, 'm'));
  t.match(metrics, new RegExp(`^sluice_host_state\\{${labels},state="down"\\} 0$`, 'm'));
  t.match(metrics, new RegExp(`^sluice_host_role\\{${labels},role="primary"\\} 1$`, 'm'));
  t.match(metrics, new RegExp(`^sluice_host_latency_ewma_seconds\\{${labels}\\} 0\\.0\\d+`, 'm'));
  t.match(metrics, new RegExp(`^sluice_host_health_score\\{${labels}\\} `, 'm'));
  t.notMatch(metrics, /sluice_host_replication_lag_seconds\{/, 'no lag series for a primary');

  await s.stop();
  t.equal(await waitForBackends({ usename: TEST_ROLE, application_name: 'sluice-probe' }, 0), 0, 'the probe connection closes with the gateway');
});

t.test('a host that refuses connections goes down', async (t) => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  const s = await startSluice({ admin: true, port, pool: { query_wait_timeout: '300ms', server_login_retry: '50ms' } });
  t.teardown(() => s.stop());
  const [down] = await until(() => hosts(s), (h) => h[0]?.health.state === 'down', 'the probes to fail', 12_000);
  t.ok(down!.health.ejections >= 1);
  t.equal(down!.health.observedRole, 'primary', 'the configured role stands until a probe answers');
  const metrics = await (await fetch(`${s.adminUrl}/metrics`)).text();
  t.match(metrics, /^sluice_host_state\{source="app",host="127\.0\.0\.1:\d+",protocol="postgres",state="down"\} 1$/m);
  t.match(metrics, /^sluice_host_ejections_total\{source="app",host="127\.0\.0\.1:\d+",protocol="postgres"\} [1-9]/m);
  t.match(metrics, /^sluice_host_state_changes_total\{source="app",host="127\.0\.0\.1:\d+",protocol="postgres"\} [1-9]/m);
});
