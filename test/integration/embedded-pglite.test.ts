/**
 * The embedded PGlite child: serves PostgreSQL on its port with any user, gives each new
 * connection a clean session, refuses a second concurrent connection, comes back with its
 * data after PGlite dies (COPY FROM STDIN kills it), and frees the port on stop().
 */
import t from 'tap';
import pg from 'pg';
import pino from 'pino';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startEmbeddedPglite, PGLITE_MAX_CONNECTIONS } from '../../src/embedded/pglite.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** psql, because node-postgres cannot send COPY FROM STDIN without another package. */
function copyFromStdin(port: number): string {
  const psql = spawnSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'app', '-c', 'COPY kv FROM STDIN'], { input: 'x\t1\n', encoding: 'utf8', timeout: 30_000 });
  return psql.stderr;
}

async function withClient<T>(port: number, user: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: '127.0.0.1', port, user, database: 'anything' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Retries while the restarted child is not listening yet; the supervisor has no event for tests. */
async function eventually<T>(work: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

t.test('embedded PGlite', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-pglite-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const embedded = await startEmbeddedPglite({ kind: 'pglite', data_dir: dataDir, port }, pino({ level: 'silent' }));
  t.teardown(() => embedded.stop());
  t.equal(embedded.maxConnections, PGLITE_MAX_CONNECTIONS, 'reports its connection limit');

  await withClient(port, 'whoever', async (c) => {
    const { rows } = await c.query<{ n: number }>('SELECT $1::int + 1 AS n', [41]);
    t.equal(rows[0]?.n, 42, 'any user name is accepted (trust) and the extended protocol works');
    await c.query({ name: 'kept', text: 'SELECT 1' });
    await c.query('CREATE TABLE kv (k text PRIMARY KEY, v int)');
    await c.query("INSERT INTO kv VALUES ('answer', 42)");
    const second = new pg.Client({ host: '127.0.0.1', port, user: 'x', database: 'x' });
    second.on('error', () => undefined);
    await t.rejects(second.connect(), 'a second concurrent connection is refused');
  });

  await withClient(port, 'app', async (c) => {
    const { rows } = await c.query('SELECT name FROM pg_prepared_statements');
    t.same(rows, [], 'the next connection starts with a clean session');
  });

  t.match(copyFromStdin(port), /unexpected EOF|connection/, 'COPY FROM STDIN fails: PGlite gets one message at a time');
  const rows = await eventually(() => withClient(port, 'app', async (c) => (await c.query('SELECT v FROM kv')).rows));
  t.same(rows, [{ v: 42 }], 'a fresh child serves again, with the committed data');

  await embedded.stop();
  await t.rejects(withClient(port, 'app', async () => undefined), { code: 'ECONNREFUSED' }, 'stop() frees the port');
});
