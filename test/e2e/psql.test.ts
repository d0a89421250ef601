// psql (PostgreSQL 15 client) through the real `sluice` binary in transaction pooling mode:
// a multi-statement script, \copy both ways, ON_ERROR_STOP, \conninfo.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PG_HOST, PG_PORT } from '../helpers/postgres.js';
import { BENCH_DATABASE, BENCH_PASSWORD, BENCH_USER, runProgram, type SluiceProcess, startSluiceProcess } from '../helpers/sluice-process.js';

const TABLE = `e2e_psql_${process.pid}`;
const PSQL_TIMEOUT = 30_000;

/** Straight to PostgreSQL as bench, for setup checks and cleanup that must not depend on Sluice. */
async function direct<R extends pg.QueryResultRow>(sql: string): Promise<R[]> {
  const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: BENCH_USER, password: BENCH_PASSWORD, database: BENCH_DATABASE, application_name: 'sluice-e2e-admin' });
  await c.connect();
  try { return (await c.query<R>(sql)).rows; } finally { await c.end(); }
}

let sluice: SluiceProcess;
const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-psql-'));

function psql(args: string[], input?: string) {
  return runProgram('psql', ['-X', '-h', sluice.host, '-p', String(sluice.port), '-U', BENCH_USER, BENCH_DATABASE, ...args], {
    env: { ...sluice.env(), PGAPPNAME: 'sluice-e2e-psql' }, input, timeoutMs: PSQL_TIMEOUT, cwd: dir,
  });
}

t.before(async () => {
  sluice = await startSluiceProcess({ size: 5 });
});

t.teardown(async () => {
  await direct(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  await sluice?.stop();
});

t.test('a multi-statement script', async (t) => {
  const script = join(dir, 'script.sql');
  writeFileSync(script, `
CREATE TABLE ${TABLE} (id int PRIMARY KEY, name text NOT NULL, amount numeric(10,2));
INSERT INTO ${TABLE} VALUES (1, 'one', 1.50), (2, 'two', 2.25);
BEGIN;
INSERT INTO ${TABLE} VALUES (3, 'three', 3.00);
UPDATE ${TABLE} SET amount = amount * 2 WHERE id = 3;
COMMIT;
BEGIN;
INSERT INTO ${TABLE} VALUES (4, 'rolled back', 0);
ROLLBACK;
SET application_name = 'psql-script-set';
SELECT current_setting('application_name') AS app;
SELECT id, name, amount FROM ${TABLE} ORDER BY id;
SELECT 'a' AS x \\; SELECT 'b' AS y;
`);
  const r = await psql(['-v', 'ON_ERROR_STOP=1', '-A', '-t', '-F', '|', '-f', script]);
  t.equal(r.code, 0, `psql exits 0\n${r.stderr}`);
  t.equal(r.stderr, '');
  const lines = r.stdout.split('\n').filter((l) => l !== '' && !/^(CREATE TABLE|INSERT|BEGIN|UPDATE|COMMIT|ROLLBACK|SET)\b/.test(l));
  t.strictSame(lines, ['psql-script-set', '1|one|1.50', '2|two|2.25', '3|three|6.00', 'a', 'b']);
  const rows = await direct<{ n: number }>(`SELECT count(*)::int AS n FROM ${TABLE}`);
  t.equal(rows[0]!.n, 3, 'the committed rows are in the database, the rolled back one is not');
});

t.test('\\copy in and out', async (t) => {
  const input = join(dir, 'in.csv');
  const output = join(dir, 'out.csv');
  const rows: string[] = [];
  for (let i = 100; i < 5100; i++) rows.push(`${i},"name ${i}, with comma",${(i / 4).toFixed(2)}`);
  writeFileSync(input, rows.join('\n') + '\n');
  const copyIn = await psql(['-v', 'ON_ERROR_STOP=1', '-c', `\\copy ${TABLE} (id, name, amount) FROM '${input}' WITH (FORMAT csv)`]);
  t.equal(copyIn.code, 0, copyIn.stderr);
  t.equal(copyIn.stdout.trim(), 'COPY 5000');

  const copyOut = await psql(['-v', 'ON_ERROR_STOP=1', '-c', `\\copy (SELECT id, name, amount FROM ${TABLE} WHERE id >= 100 ORDER BY id) TO '${output}' WITH (FORMAT csv)`]);
  t.equal(copyOut.code, 0, copyOut.stderr);
  t.equal(copyOut.stdout.trim(), 'COPY 5000');
  t.equal(readFileSync(output, 'utf8'), readFileSync(input, 'utf8'), 'what comes out is what went in');

  // A COPY that fails half way (duplicate key) must leave the client and the pool usable.
  const dup = await psql(['-v', 'ON_ERROR_STOP=1', '-c', `\\copy ${TABLE} (id, name, amount) FROM '${input}' WITH (FORMAT csv)`]);
  t.equal(dup.code, 1, 'a failed \\copy is an error');
  t.match(dup.stderr, /duplicate key value violates unique constraint/);
  const count = await psql(['-A', '-t', '-c', `SELECT count(*) FROM ${TABLE}`]);
  t.equal(count.code, 0, count.stderr);
  t.equal(count.stdout.trim(), '5003');
});

t.test('an error with ON_ERROR_STOP stops the script', async (t) => {
  const r = await psql(['-v', 'ON_ERROR_STOP=1', '-A', '-t'], `
SELECT 'before';
BEGIN;
INSERT INTO ${TABLE} VALUES (9000, 'in failed tx', 0);
SELECT 1/0;
SELECT 'after';
COMMIT;
`);
  t.equal(r.code, 3, 'psql exits 3 when a script stops on an error');
  t.match(r.stderr, /division by zero/);
  t.match(r.stdout, /before/);
  t.notMatch(r.stdout, /after/);
  const rows = await direct<{ n: number }>(`SELECT count(*)::int AS n FROM ${TABLE} WHERE id = 9000`);
  t.equal(rows[0]!.n, 0, 'the transaction psql left open was rolled back, not committed');

  // Without ON_ERROR_STOP, psql goes on, and the next statements run on a healthy server.
  const goOn = await psql(['-A', '-t'], `SELECT 1/0;\nSELECT 'still here';\n`);
  t.equal(goOn.code, 0);
  t.match(goOn.stderr, /division by zero/);
  t.equal(goOn.stdout.trim(), 'still here');
});

t.test('\\conninfo', async (t) => {
  const r = await psql(['-c', '\\conninfo']);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout.trim(), `You are connected to database "${BENCH_DATABASE}" as user "${BENCH_USER}" on host "127.0.0.1" at port "${sluice.port}".`);
  const v = await psql(['-A', '-t', '-c', 'SELECT current_database(), current_user, inet_server_port()']);
  t.equal(v.code, 0, v.stderr);
  t.equal(v.stdout.trim(), `${BENCH_DATABASE}|${BENCH_USER}|${PG_PORT}`, 'queries ran on the real server behind Sluice');
});

t.test('Sluice stops cleanly on SIGTERM', async (t) => {
  const { code, signal, killed } = await sluice.stop();
  t.equal(killed, false, 'no SIGKILL needed');
  t.equal(signal, null);
  t.equal(code, 0);
  t.equal(sluice.noise(), '', 'nothing on stderr or non-JSON on stdout');
  t.strictSame(sluice.logs().filter((e) => e.level >= 40), [], 'no warnings or errors logged');
});
