/**
 * COPY through Sluice in transaction mode: FROM STDIN and TO STDOUT at the byte level (with
 * CopyFail and errors), and 100 MB each way with psql while Sluice's memory stays bounded:
 * CopyData is streamed with backpressure, never gathered.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import v8 from 'node:v8';
import vm from 'node:vm';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import { firstError, names, loginRaw, RawClient, rows, serialize } from '../helpers/raw-client.js';

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

t.test('COPY FROM STDIN and TO STDOUT, message by message', async (t) => {
  const s = await startSluice({ size: 1, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const c = await loginRaw(t, s.port);
  const other = await loginRaw(t, s.port);
  await c.query('create table if not exists pg_copy_small(id int, name text); truncate pg_copy_small');
  t.teardown(async () => { const x = await RawClient.login(s.port); await x.query('drop table if exists pg_copy_small'); await x.end(); });

  c.write(serialize.query('copy pg_copy_small from stdin'));
  t.same(names(await c.until('copyInResponse')), ['copyInResponse']);
  // While the COPY runs the server is this client's: the other one waits.
  other.write(serialize.query('select count(*) from pg_copy_small'));
  c.write(serialize.copyData(Buffer.from('1\tone\n2\ttwo\n')), serialize.copyData(Buffer.from('3\tth')));
  await t.rejects(other.next(200), /no message/, 'another client waits during COPY');
  c.write(serialize.copyData(Buffer.from('ree\n')), serialize.copyDone());
  const done = await c.untilReady();
  t.same(names(done), ['commandComplete', 'readyForQuery']);
  t.equal(done[0]!.text, 'COPY 3');
  t.same(rows(await other.untilReady()), [['3']], 'the waiting client ran after the COPY, and saw its rows');

  // CopyFail: the server reports the failure, nothing is loaded, the session goes on.
  c.write(serialize.query('copy pg_copy_small from stdin'));
  await c.until('copyInResponse');
  c.write(serialize.copyData(Buffer.from('4\tfour\n')), serialize.copyFail('changed my mind'));
  const failed = await c.untilReady();
  t.equal(firstError(failed)?.code, '57014');
  t.match(firstError(failed)?.message, /changed my mind/);
  // Bad data: an error in the middle of the stream.
  c.write(serialize.query('copy pg_copy_small from stdin'));
  await c.until('copyInResponse');
  c.write(serialize.copyData(Buffer.from('not a number\tx\n')), serialize.copyDone());
  const bad = await c.untilReady();
  t.equal(firstError(bad)?.code, '22P02');
  t.equal(bad.at(-1)!.status, 'I');

  const out = await c.query('copy (select * from pg_copy_small order by id) to stdout');
  t.same(names(out), ['copyOutResponse', 'copyData', 'copyData', 'copyData', 'copyDone', 'commandComplete', 'readyForQuery']);
  t.same(out.filter((m) => m.name === 'copyData').map((m) => m.chunk!.toString()), ['1\tone\n', '2\ttwo\n', '3\tthree\n']);

  // Inside a transaction, through the extended protocol's sibling: COPY in a multi-statement Query.
  const multi = await c.query('begin; copy (select 1) to stdout; commit');
  t.same(names(multi), ['commandComplete', 'copyOutResponse', 'copyData', 'copyDone', 'commandComplete', 'commandComplete', 'readyForQuery']);
  t.equal(multi.at(-1)!.status, 'I');
});

/**
 * Peak growth of this process's memory while `work` runs, sampled every 50 ms: RSS, and the
 * memory held by Buffers (arrayBuffers), which is where queued socket data would pile up.
 */
async function memoryGrowth<T>(work: () => Promise<T>): Promise<{ result: T; rssMb: number; buffersMb: number }> {
  gc(); // so that the last transfer's garbage is not in the baseline
  const base = process.memoryUsage();
  let rss = base.rss, buffers = base.arrayBuffers;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    buffers = Math.max(buffers, m.arrayBuffers);
  }, 50);
  try {
    const result = await work();
    return { result, rssMb: (rss - base.rss) / 2 ** 20, buffersMb: (buffers - base.arrayBuffers) / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/** Run a shell pipeline; with onStdout, its output is counted, not kept, and read with a stall. */
function run(cmd: string, env: Record<string, string>, onStdout?: (chunk: Buffer) => void): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', ['-c', cmd], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '', stdout = '', read = 0;
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.stdout.on('data', (d: Buffer) => {
      if (!onStdout) {
        stdout += d.toString();
        return;
      }
      onStdout(d);
      // A reader that stalls for 2 s after the first megabyte: meanwhile Sluice must stop
      // reading the server rather than take in the rest of the 100 MB.
      if (read < 2 ** 20 && read + d.length >= 2 ** 20) {
        p.stdout.pause();
        setTimeout(() => p.stdout.resume(), 2000);
      }
      read += d.length;
    });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stderr, stdout }));
  });
}

// A server that stalls for 2 s on the first row: meanwhile Sluice must stop reading the
// client rather than take in the rest of the 100 MB.
const SLOW_INSERTS = "create function pg_temp.slow() returns trigger language plpgsql as \\$\\$ begin if current_setting('sluice_test.slept', true) is null then perform set_config('sluice_test.slept', 'yes', true); perform pg_sleep(2); end if; return new; end \\$\\$; create trigger slow before insert on big for each row execute function pg_temp.slow()";

t.test('100 MB each way through psql, with bounded memory', async (t) => {
  const s: TestSluice = await startSluice({ size: 2 });
  t.teardown(() => s.stop());
  const env = { PGPASSWORD: TEST_PASSWORD, PGHOST: '127.0.0.1', PGPORT: String(s.port), PGUSER: TEST_ROLE, PGDATABASE: 'app', PGCONNECT_TIMEOUT: '10' };
  const rowsCount = 1_000_000;
  const line = 'x'.repeat(99); // 100 bytes with the newline: 100 MB in all

  const into = await memoryGrowth(() => run(
    `yes ${line} | head -n ${rowsCount} | psql -X -q -At -v ON_ERROR_STOP=1 -1 -c 'create temp table big(x text)' -c "${SLOW_INSERTS}" -c 'copy big from stdin' -c 'select count(*), sum(length(x)) from big'`,
    env,
  ));
  t.equal(into.result.code, 0, `psql COPY FROM succeeded ${into.result.stderr}`);
  t.equal(into.result.stdout.trim(), `${rowsCount}|${rowsCount * 99}`, 'every row arrived');
  t.ok(into.rssMb < 150, `RSS grew ${into.rssMb.toFixed(1)} MB during 100 MB of COPY FROM STDIN`);
  // Without backpressure most of the 100 MB would sit in Buffers while the server stalls.
  t.ok(into.buffersMb < 64, `Buffers grew ${into.buffersMb.toFixed(1)} MB`);

  let bytes = 0;
  const out = await memoryGrowth(() => run(
    `psql -X -q -v ON_ERROR_STOP=1 -c "copy (select repeat('y', 99) from generate_series(1, ${rowsCount})) to stdout"`,
    env,
    (chunk) => { bytes += chunk.length; },
  ));
  t.equal(out.result.code, 0, `psql COPY TO succeeded ${out.result.stderr}`);
  t.equal(bytes, rowsCount * 100, 'every byte came out');
  t.ok(out.rssMb < 150, `RSS grew ${out.rssMb.toFixed(1)} MB during 100 MB of COPY TO STDOUT`);
  t.ok(out.buffersMb < 64, `Buffers grew ${out.buffersMb.toFixed(1)} MB`);
});
