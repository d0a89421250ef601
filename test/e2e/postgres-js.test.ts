// postgres.js (`postgres`) through the real `sluice` binary in transaction pooling mode, with
// its default named prepared statements (prepare: true) and its pipelining: 200 concurrent
// parameterized queries, transactions through sql.begin that commit and roll back.
import t from 'tap';
import pg from 'pg';
import postgres from 'postgres';
import { PG_HOST, PG_PORT } from '../helpers/postgres.js';
import { BENCH_DATABASE, BENCH_PASSWORD, BENCH_USER, type SluiceProcess, startSluiceProcess } from '../helpers/sluice-process.js';

const TABLE = `e2e_pgjs_${process.pid}`;
const QUERIES = 200;
const CLIENT_CONNECTIONS = 20;
const SERVER_POOL = 5;

async function direct<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: BENCH_USER, password: BENCH_PASSWORD, database: BENCH_DATABASE, application_name: 'sluice-e2e-admin' });
  await c.connect();
  try { return (await c.query<R>(sql, values)).rows; } finally { await c.end(); }
}

let sluice: SluiceProcess;
let sql: postgres.Sql | null = null;

t.before(async () => {
  await direct(`DROP TABLE IF EXISTS ${TABLE}`);
  await direct(`CREATE TABLE ${TABLE} (id int PRIMARY KEY, note text NOT NULL)`);
  sluice = await startSluiceProcess({ size: SERVER_POOL, pool: { query_wait_timeout: '60s' } });
  sql = postgres({
    host: sluice.host, port: sluice.port, user: sluice.user, password: sluice.password, database: sluice.source,
    max: CLIENT_CONNECTIONS, prepare: true, connect_timeout: 30, idle_timeout: 0,
    connection: { application_name: 'sluice-e2e-postgresjs' },
    onnotice: () => {},
  });
});

t.teardown(async () => {
  await sql?.end({ timeout: 5 }).catch(() => undefined);
  await direct(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => undefined);
  await sluice?.stop();
});

t.test(`${QUERIES} concurrent parameterized queries`, { timeout: 60_000 }, async (t) => {
  const s = sql!;
  // Three statement texts, so each is prepared once per connection and reused across servers.
  const results = await Promise.all(Array.from({ length: QUERIES }, (_, i) => {
    switch (i % 3) {
      case 0: return s`SELECT ${i}::int AS i, ${`text ${i}`}::text AS t, ${i * 2}::int + 1 AS odd`;
      case 1: return s`SELECT n::int AS n FROM generate_series(1, ${i % 50 + 1}::int) AS n`;
      default: return s`SELECT ${[i, i + 1, i + 2]}::int[] AS arr, ${s.json({ i })}::jsonb AS j, ${new Date(Date.UTC(2020, 0, 1 + (i % 28)))}::timestamptz AS d`;
    }
  }));
  const wrong: string[] = [];
  results.forEach((rows, i) => {
    let ok: boolean;
    switch (i % 3) {
      case 0: ok = rows.length === 1 && rows[0]!['i'] === i && rows[0]!['t'] === `text ${i}` && rows[0]!['odd'] === i * 2 + 1; break;
      case 1: ok = rows.length === i % 50 + 1 && rows.every((r, k) => r['n'] === k + 1); break;
      default: {
        const r = rows[0]!;
        ok = rows.length === 1 && JSON.stringify(r['arr']) === JSON.stringify([i, i + 1, i + 2]) && (r['j'] as { i: number }).i === i
          && (r['d'] as Date).getTime() === Date.UTC(2020, 0, 1 + (i % 28));
      }
    }
    if (!ok) wrong.push(`query ${i}: ${JSON.stringify(rows)}`);
  });
  t.strictSame(wrong.slice(0, 10), [], `all ${QUERIES} results correct (${wrong.length} wrong)`);

  // Again, now that every connection has its statements: Sluice re-prepares them on servers
  // that lack them.
  const again = await Promise.all(Array.from({ length: QUERIES }, (_, i) => s`SELECT ${i}::int AS i, ${`text ${i}`}::text AS t, ${i * 2}::int + 1 AS odd`));
  t.ok(again.every((rows, i) => rows[0]!['i'] === i && rows[0]!['t'] === `text ${i}`), 'a second round reuses the prepared statements correctly');

  // The statements really are named ones, under Sluice's server-side names (this query too).
  const names = await s`SELECT name FROM pg_prepared_statements WHERE NOT from_sql`;
  t.ok(names.length > 0, `the server holds protocol-level prepared statements (${names.length})`);
  t.ok(names.every((r) => String(r['name']).startsWith('sluice_')), `all under Sluice's names: ${names.map((r) => r['name']).join(', ')}`);
});

t.test('transactions with sql.begin', { timeout: 60_000 }, async (t) => {
  const s = sql!;
  // Committed: 50 at once, each inserting two rows and reading them back inside.
  const committed = await Promise.all(Array.from({ length: 50 }, (_, k) => s.begin(async (tx) => {
    const [a] = await tx`SELECT pg_backend_pid() AS pid, txid_current()::text AS xid`;
    await tx`INSERT INTO ${tx(TABLE)} (id, note) VALUES (${k * 2}, ${`note ${k * 2}`}), (${k * 2 + 1}, ${`note ${k * 2 + 1}`})`;
    const [{ n }] = await tx`SELECT count(*)::int AS n FROM ${tx(TABLE)} WHERE id IN (${k * 2}, ${k * 2 + 1})`;
    const [b] = await tx`SELECT pg_backend_pid() AS pid, txid_current()::text AS xid`;
    return { n, samePid: a!['pid'] === b!['pid'], sameXid: a!['xid'] === b!['xid'] };
  })));
  t.ok(committed.every((c) => c.n === 2), 'each transaction sees its own rows');
  t.ok(committed.every((c) => c.samePid && c.sameXid), 'each transaction ran on one backend, in one transaction');

  // Rolled back by a thrown error: nothing stays, and the error reaches the caller.
  const failed = await Promise.allSettled(Array.from({ length: 20 }, (_, k) => s.begin(async (tx) => {
    await tx`INSERT INTO ${tx(TABLE)} (id, note) VALUES (${1000 + k}, 'to be rolled back')`;
    throw new Error(`abort ${k}`);
  })));
  t.ok(failed.every((r, k) => r.status === 'rejected' && (r.reason as Error).message === `abort ${k}`), 'each begin rejects with its own error');

  // A server error inside the transaction: rolled back, and the pool's connections work on.
  const dup = await s.begin(async (tx) => {
    await tx`INSERT INTO ${tx(TABLE)} (id, note) VALUES (5000, 'dup')`;
    await tx`INSERT INTO ${tx(TABLE)} (id, note) VALUES (5000, 'dup')`;
  }).then(() => null, (err: unknown) => err as { code?: string });
  t.equal(dup?.code, '23505', 'duplicate key error surfaces');

  // Savepoint inside a transaction.
  const [{ n: inner }] = await s.begin(async (tx) => {
    await tx`INSERT INTO ${tx(TABLE)} (id, note) VALUES (6000, 'outer')`;
    await tx.savepoint(async (sp) => {
      await sp`INSERT INTO ${sp(TABLE)} (id, note) VALUES (6001, 'inner')`;
      throw new Error('undo inner');
    }).catch(() => undefined);
    return tx`SELECT count(*)::int AS n FROM ${tx(TABLE)} WHERE id IN (6000, 6001)`;
  });
  t.equal(inner, 1, 'a rolled back savepoint drops only its own row');

  const rows = await direct<{ n: number; min: number; max: number }>(`SELECT count(*)::int AS n, min(id) AS min, max(id) AS max FROM ${TABLE} WHERE id < 6000`);
  t.strictSame(rows, [{ n: 100, min: 0, max: 99 }], 'exactly the committed rows are stored');
  const outer = await direct<{ note: string }>(`SELECT note FROM ${TABLE} WHERE id >= 6000`);
  t.strictSame(outer, [{ note: 'outer' }]);

  const [{ ok }] = await s`SELECT ${'still'}::text || ${' fine'}::text AS ok`;
  t.equal(ok, 'still fine', 'the pool works after errors');
});

t.test('Sluice stops cleanly on SIGTERM', async (t) => {
  await sql!.end({ timeout: 5 });
  sql = null;
  const { code, killed } = await sluice.stop();
  t.equal(killed, false);
  t.equal(code, 0);
  t.equal(sluice.noise(), '');
  t.strictSame(sluice.logs().filter((e) => e.level >= 40), [], 'no warnings or errors logged');
});
