/**
 * Debian's prometheus-pgbouncer-exporter (a Python exporter written for PgBouncer, installed
 * by .ci/run) pointed at Sluice's console as a stats user, scraped while node-postgres
 * clients run load through Sluice: the figures it publishes come from Sluice's pools.
 */
import t from 'tap';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import pg from 'pg';
import { STATS, startConsoleSluice } from '../helpers/console.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';

const EXPORTER = '/usr/bin/prometheus-pgbouncer-exporter';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    }).on('error', reject);
  });
}

/** The value of a sample `name{labels}` in Prometheus text, or undefined. */
function sample(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [key, value] = [line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1)];
    if (key === name + labels || (labels === '' && key === name)) return Number(value);
  }
  return undefined;
}

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

t.test('prometheus-pgbouncer-exporter scrapes Sluice', async (t) => {
  t.ok(existsSync(EXPORTER), `${EXPORTER} is installed (apt-get install -y prometheus-pgbouncer-exporter, in .ci/run)`);
  if (!existsSync(EXPORTER)) return;
  const s = await startConsoleSluice({ mode: 'transaction', size: 4 });
  t.teardown(() => s.stop());

  // Load: four clients in a loop of short transactions, one holding a transaction open.
  let running = true;
  const clients = await Promise.all([0, 1, 2, 3, 4].map(async () => {
    const c = new pg.Client(s.url());
    await c.connect();
    return c;
  }));
  const holder = clients.pop()!;
  await holder.query('begin');
  await holder.query('select 1');
  const loops = clients.map(async (c) => {
    while (running) await c.query('select pg_sleep(0.005)');
  });
  t.teardown(async () => {
    running = false;
    await Promise.all(loops);
    await Promise.all([...clients, holder].map((c) => c.end()));
  });

  const port = await freePort();
  const exporter: ChildProcess = spawn(EXPORTER, ['--host', '127.0.0.1', '--port', String(port),
    '--pgbouncer-host', '127.0.0.1', '--pgbouncer-port', String(s.port), '--pgbouncer-user', STATS.name], {
    // libpq takes the password and sslmode from the environment; the exporter has no flags for them.
    env: { ...process.env, PGPASSWORD: STATS.password, PGSSLMODE: 'disable' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  exporter.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => exporter.once('exit', resolve));
  t.teardown(async () => {
    if (exporter.exitCode === null) exporter.kill('SIGTERM');
    await exited;
  });

  // The exporter logs when it listens; poll its port until it answers or it exits.
  let metrics = '';
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && exporter.exitCode === null) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      if (res.ok) {
        metrics = await res.text();
        if ((sample(metrics, 'pgbouncer_requests_total', '{database="app"}') ?? 0) > 0) break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  t.ok(metrics !== '', `the exporter served /metrics (stderr: ${stderr.slice(-2000)})`);
  const pool = `{database="app",user="${TEST_ROLE}"}`;
  // Pool of 4, one held by an open transaction: some of the four loopers are waiting at any moment.
  const seen = (sample(metrics, 'pgbouncer_active_clients', pool) ?? 0) + (sample(metrics, 'pgbouncer_waiting_clients', pool) ?? 0);
  t.equal(seen, 5, 'pgbouncer_active_clients and pgbouncer_waiting_clients account for the five clients');
  t.ok((sample(metrics, 'pgbouncer_requests_total', '{database="app"}') ?? 0) > 0, 'pgbouncer_requests_total grows with the load');
  t.ok((sample(metrics, 'pgbouncer_used_servers') ?? 0) >= 1, 'pgbouncer_used_servers sees the servers');
  // This exporter labels SHOW DATABASES rows by their `database` column: the server's database name, as with PgBouncer.
  t.equal(sample(metrics, 'pgbouncer_pool_size', '{database="sluice_test"}'), 4, 'pgbouncer_pool_size is the configured pool size');
  t.equal(sample(metrics, 'pgbouncer_databases'), 1, 'pgbouncer_databases from SHOW LISTS');
});
