// psycopg2 (Debian's python3-psycopg2 under /usr/bin/python3) through the real `sluice`
// binary in transaction pooling mode: parameterized queries, transactions, a server-side
// (named) cursor, executemany, and an error followed by rollback and reuse.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PG_HOST, PG_PORT } from '../helpers/postgres.js';
import { BENCH_DATABASE, BENCH_PASSWORD, BENCH_USER, runProgram, type SluiceProcess, startSluiceProcess } from '../helpers/sluice-process.js';

const PYTHON = '/usr/bin/python3';
const TABLE = `e2e_psycopg2_${process.pid}`;

// Each step records what it saw; the test asserts on the JSON printed at the end.
const SCRIPT = String.raw`
import json, os, sys
import psycopg2, psycopg2.errors, psycopg2.extras

table = os.environ['E2E_TABLE']
out = {}
conn = psycopg2.connect(host=os.environ['PGHOST'], port=os.environ['PGPORT'], user=os.environ['PGUSER'],
                        password=os.environ['PGPASSWORD'], dbname=os.environ['PGDATABASE'],
                        application_name='sluice-e2e-psycopg2', connect_timeout=10)
out['server_version'] = conn.server_version
cur = conn.cursor()

# Parameterized queries: positional, named, quoting, NULL, arrays.
cur.execute('SELECT %s::int + %s::int, %s::text, %s::text IS NULL, %s::int[]', (40, 2, "O'Reilly \\ \"q\"", None, [1, 2, 3]))
out['params'] = list(cur.fetchone())
cur.execute('SELECT %(a)s::text || %(b)s::text AS s', {'a': 'left-', 'b': 'right'})
out['named_params'] = cur.fetchone()[0]
conn.commit()

cur.execute('CREATE TABLE ' + table + ' (id int PRIMARY KEY, val text NOT NULL)')
conn.commit()

# A transaction (psycopg2 opens one implicitly): one backend throughout, then COMMIT.
cur.execute('SELECT pg_backend_pid(), txid_current()')
first = cur.fetchone()
cur.execute('INSERT INTO ' + table + ' VALUES (%s, %s)', (1, 'committed'))
cur.execute('SELECT count(*) FROM ' + table)
out['tx_sees_own_row'] = cur.fetchone()[0]
cur.execute('SELECT pg_backend_pid(), txid_current()')
out['tx_same_backend'] = cur.fetchone() == first
conn.commit()

# ROLLBACK discards.
cur.execute('INSERT INTO ' + table + ' VALUES (%s, %s)', (2, 'rolled back'))
conn.rollback()
cur.execute('SELECT array_agg(val ORDER BY id) FROM ' + table)
out['after_rollback'] = cur.fetchone()[0]
conn.commit()

# The connection as a context manager commits on success.
with conn:
    with conn.cursor() as c:
        c.execute('INSERT INTO ' + table + ' VALUES (%s, %s)', (3, 'with block'))

# executemany, and execute_values for a bigger batch.
cur.executemany('INSERT INTO ' + table + ' VALUES (%s, %s)', [(i, 'many %d' % i) for i in range(100, 600)])
psycopg2.extras.execute_values(cur, 'INSERT INTO ' + table + ' (id, val) VALUES %s', [(i, 'values %d' % i) for i in range(1000, 3000)])
conn.commit()
cur.execute('SELECT count(*), sum(id) FROM ' + table)
out['executemany'] = list(cur.fetchone())
conn.commit()

# Server-side cursor: DECLARE inside a transaction, rows fetched in batches of 100.
named = conn.cursor('e2e_named_cursor')
named.itersize = 100
named.execute('SELECT id, val FROM ' + table + ' WHERE id >= %s ORDER BY id', (100,))
count = 0
total = 0
ordered = True
last = -1
for row in named:
    count += 1
    total += row[0]
    ordered = ordered and row[0] > last
    last = row[0]
named.close()
conn.commit()
out['named_cursor'] = {'rows': count, 'sum': total, 'ordered': ordered}

# An error, the aborted transaction, rollback, and reuse of the same connection.
try:
    cur.execute('SELECT 1/0')
    out['error'] = None
except psycopg2.errors.DivisionByZero as e:
    out['error'] = e.pgcode
try:
    cur.execute('SELECT 1')
    out['aborted'] = None
except psycopg2.errors.InFailedSqlTransaction as e:
    out['aborted'] = e.pgcode
conn.rollback()
cur.execute('SELECT %s::text', ('reused',))
out['reused'] = cur.fetchone()[0]
conn.commit()

# Duplicate key inside a bigger transaction: nothing of it stays.
try:
    cur.execute('INSERT INTO ' + table + ' VALUES (%s, %s)', (4, 'four'))
    cur.execute('INSERT INTO ' + table + ' VALUES (%s, %s)', (1, 'duplicate'))
    conn.commit()
    out['duplicate'] = None
except psycopg2.errors.UniqueViolation as e:
    out['duplicate'] = e.pgcode
    conn.rollback()
cur.execute('SELECT count(*) FROM ' + table + ' WHERE id = 4')
out['after_duplicate'] = cur.fetchone()[0]
conn.commit()

# Autocommit mode.
conn.autocommit = True
cur.execute('SELECT current_setting(%s)', ('application_name',))
out['application_name'] = cur.fetchone()[0]
cur.execute('DROP TABLE ' + table)
out['dropped'] = True
conn.close()
print(json.dumps(out))
`;

async function direct(sql: string): Promise<void> {
  const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: BENCH_USER, password: BENCH_PASSWORD, database: BENCH_DATABASE, application_name: 'sluice-e2e-admin' });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

let sluice: SluiceProcess;
const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-psycopg2-'));

t.before(async () => {
  await direct(`DROP TABLE IF EXISTS ${TABLE}`);
  sluice = await startSluiceProcess({ size: 2 });
});

t.teardown(async () => {
  await direct(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  await sluice?.stop();
});

t.test('psycopg2: params, transactions, named cursor, executemany, error and reuse', async (t) => {
  const script = join(dir, 'e2e.py');
  writeFileSync(script, SCRIPT);
  const r = await runProgram(PYTHON, [script], { env: { ...sluice.env(), E2E_TABLE: TABLE }, timeoutMs: 60_000 });
  t.equal(r.timedOut, false, 'the script finished in time');
  t.equal(r.code, 0, `the script exits 0\n${r.stderr}`);
  t.equal(r.stderr, '');
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
  t.ok(Number(out['server_version']) >= 150000, `server_version ${out['server_version']}`);
  t.strictSame(out['params'], [42, "O'Reilly \\ \"q\"", true, [1, 2, 3]]);
  t.equal(out['named_params'], 'left-right');
  t.equal(out['tx_sees_own_row'], 1);
  t.equal(out['tx_same_backend'], true, 'one backend and one transaction id across the transaction');
  t.strictSame(out['after_rollback'], ['committed']);
  let sum = 1 + 3;
  for (let i = 100; i < 600; i++) sum += i;
  for (let i = 1000; i < 3000; i++) sum += i;
  t.strictSame(out['executemany'], [2 + 500 + 2000, sum]);
  t.strictSame(out['named_cursor'], { rows: 2500, sum: sum - 4, ordered: true }, 'the named cursor fetched every row, in order, over many FETCHes');
  t.equal(out['error'], '22012', 'division by zero');
  t.equal(out['aborted'], '25P02', 'the transaction is aborted until rollback');
  t.equal(out['reused'], 'reused', 'the connection works after rollback');
  t.equal(out['duplicate'], '23505');
  t.equal(out['after_duplicate'], 0, 'the failed transaction left nothing');
  t.equal(out['application_name'], 'sluice-e2e-psycopg2');
  t.equal(out['dropped'], true);
});

t.test('Sluice stops cleanly on SIGTERM', async (t) => {
  const { code, killed } = await sluice.stop();
  t.equal(killed, false);
  t.equal(code, 0);
  t.equal(sluice.noise(), '');
  t.strictSame(sluice.logs().filter((e) => e.level >= 40), [], 'no warnings or errors logged');
});
