// node-postgres (`pg`) through the real `sluice` binary in transaction pooling mode: a Pool of
// 200 client connections over 10 server connections, named and unnamed parameterized queries,
// transactions that commit, roll back and fail, all at once, every result checked.
import t from 'tap';
import pg from 'pg';
import { PG_HOST, PG_PORT } from '../helpers/postgres.js';
import { BENCH_DATABASE, BENCH_PASSWORD, BENCH_USER, type SluiceProcess, startSluiceProcess } from '../helpers/sluice-process.js';

const TABLE = `e2e_pg_${process.pid}`;
const CLIENTS = 200;
const SERVER_POOL = 10;
const ROUNDS = 5;

async function direct<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: BENCH_USER, password: BENCH_PASSWORD, database: BENCH_DATABASE, application_name: 'sluice-e2e-admin' });
  await c.connect();
  try { return (await c.query<R>(sql, values)).rows; } finally { await c.end(); }
}

let sluice: SluiceProcess;
let pool: pg.Pool | null = null;

t.before(async () => {
  await direct(`DROP TABLE IF EXISTS ${TABLE}`);
  await direct(`CREATE TABLE ${TABLE} (worker int NOT NULL, round int NOT NULL, kind text NOT NULL, val int NOT NULL, PRIMARY KEY (worker, round, kind))`);
  sluice = await startSluiceProcess({ size: SERVER_POOL, pool: { query_wait_timeout: '60s' } });
});

t.teardown(async () => {
  await pool?.end().catch(() => undefined);
  await direct(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => undefined);
  await sluice?.stop();
});

t.test(`${CLIENTS} pg clients over ${SERVER_POOL} server connections`, { timeout: 120_000 }, async (t) => {
  pool = new pg.Pool({
    connectionString: sluice.url(), max: CLIENTS, application_name: 'sluice-e2e-pg',
    connectionTimeoutMillis: 30_000, idleTimeoutMillis: 0,
  });
  // Open all 200 at once so that every query below shares 10 servers with 199 other clients.
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => pool!.connect()));
  t.equal(pool.totalCount, CLIENTS, `${CLIENTS} client connections open`);
  for (const c of clients) c.release();

  const failures: string[] = [];
  const check = (ok: boolean, what: string): void => { if (!ok) failures.push(what); };

  async function worker(w: number): Promise<void> {
    for (let round = 0; round < ROUNDS; round++) {
      // Named query shared by every worker: prepared once per pg connection, re-prepared by
      // Sluice on whichever server the next transaction lands.
      const sum = await pool!.query({ name: 'e2e-sum', text: 'SELECT $1::int + $2::int AS sum, $3::text AS tag', values: [w, round, `w${w}`] });
      check(sum.rows[0]?.sum === w + round && sum.rows[0]?.tag === `w${w}`, `w${w} r${round} named sum: ${JSON.stringify(sum.rows)}`);

      // Same client name, different text per worker group: Sluice must keep them apart.
      const k = w % 7;
      const mul = await pool!.query({ name: 'e2e-mul', text: `SELECT $1::int * ${k} AS product`, values: [round + 1] });
      check(mul.rows[0]?.product === (round + 1) * k, `w${w} r${round} e2e-mul (k=${k}): ${JSON.stringify(mul.rows)}`);

      // Unnamed parameterized query.
      const cat = await pool!.query('SELECT $1::text || $2::text AS s, $3::int[] AS arr, $4::jsonb AS j', [`a${w}`, `b${round}`, [w, round], { w, round }]);
      const row = cat.rows[0];
      check(row?.s === `a${w}b${round}` && JSON.stringify(row?.arr) === JSON.stringify([w, round]) && row?.j?.w === w && row?.j?.round === round,
        `w${w} r${round} unnamed: ${JSON.stringify(cat.rows)}`);

      const client = await pool!.connect();
      try {
        // COMMIT: rows visible inside the transaction, one backend throughout.
        await client.query('BEGIN');
        const pid1 = (await client.query('SELECT pg_backend_pid() AS pid, txid_current() AS tx')).rows[0];
        await client.query({ name: 'e2e-insert', text: `INSERT INTO ${TABLE} (worker, round, kind, val) VALUES ($1, $2, $3, $4)`, values: [w, round, 'commit', w * 1000 + round] });
        const inside = await client.query(`SELECT count(*)::int AS n FROM ${TABLE} WHERE worker = $1 AND round = $2`, [w, round]);
        const pid2 = (await client.query('SELECT pg_backend_pid() AS pid, txid_current() AS tx')).rows[0];
        await client.query('COMMIT');
        check(inside.rows[0]?.n === 1, `w${w} r${round} row visible in its transaction`);
        check(pid1.pid === pid2.pid && pid1.tx === pid2.tx, `w${w} r${round} one backend and one transaction: ${JSON.stringify([pid1, pid2])}`);

        // ROLLBACK: the row goes away.
        await client.query('BEGIN');
        await client.query({ name: 'e2e-insert', text: `INSERT INTO ${TABLE} (worker, round, kind, val) VALUES ($1, $2, $3, $4)`, values: [w, round, 'rollback', -1] });
        await client.query('ROLLBACK');

        // An error inside a transaction, then ROLLBACK, then the same client works on.
        await client.query('BEGIN');
        let err: unknown = null;
        try {
          await client.query({ name: 'e2e-insert', text: `INSERT INTO ${TABLE} (worker, round, kind, val) VALUES ($1, $2, $3, $4)`, values: [w, round, 'commit', 0] });
        } catch (e) { err = e; }
        check((err as { code?: string } | null)?.code === '23505', `w${w} r${round} duplicate key error, got ${String(err)}`);
        let aborted: unknown = null;
        try { await client.query('SELECT 1'); } catch (e) { aborted = e; }
        check((aborted as { code?: string } | null)?.code === '25P02', `w${w} r${round} transaction aborted after the error, got ${String(aborted)}`);
        await client.query('ROLLBACK');
        const after = await client.query({ name: 'e2e-sum', text: 'SELECT $1::int + $2::int AS sum, $3::text AS tag', values: [1, 1, 'ok'] });
        check(after.rows[0]?.sum === 2, `w${w} r${round} client usable after rollback`);
      } finally {
        client.release();
      }
    }
  }

  const started = Date.now();
  await Promise.all(Array.from({ length: CLIENTS }, (_, w) => worker(w)));
  t.comment(`${CLIENTS} workers × ${ROUNDS} rounds in ${Date.now() - started} ms`);
  t.strictSame(failures.slice(0, 20), [], `every result correct (${failures.length} wrong)`);

  const rows = await direct<{ kind: string; n: number; total: string }>(`SELECT kind, count(*)::int AS n, sum(val)::text AS total FROM ${TABLE} GROUP BY kind`);
  let expectedTotal = 0;
  for (let w = 0; w < CLIENTS; w++) for (let r = 0; r < ROUNDS; r++) expectedTotal += w * 1000 + r;
  t.strictSame(rows, [{ kind: 'commit', n: CLIENTS * ROUNDS, total: String(expectedTotal) }], 'exactly the committed rows were stored');

  const backends = await direct<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'sluice-e2e-pg'`, [BENCH_DATABASE]);
  t.ok(backends[0]!.n <= SERVER_POOL, `at most ${SERVER_POOL} server connections carry the clients' work (${backends[0]!.n})`);

  await pool.end();
  pool = null;
});

t.test('Sluice stops cleanly on SIGTERM', async (t) => {
  const { code, killed } = await sluice.stop();
  t.equal(killed, false);
  t.equal(code, 0);
  t.equal(sluice.noise(), '');
  t.strictSame(sluice.logs().filter((e) => e.level >= 40), [], 'no warnings or errors logged');
});
