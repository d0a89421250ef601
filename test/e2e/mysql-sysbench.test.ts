/**
 * sysbench (Debian's, libmariadb) oltp_read_write with 1000 threads through Sluice, whose pool
 * holds 50 server connections to the machine's MariaDB: the run ends without a failed query
 * (sysbench stops at the first error it does not ignore; the deadlocks it ignores are counted
 * and reported), and MariaDB never sees more than the pool's 50 sbtest sessions.
 */
import mysql from 'mysql2/promise';
import t from 'tap';
import { RAISE_NOFILE, runProgram } from '../helpers/sluice-process.js';
import { MYSQL_HOST, MYSQL_PORT, SYSBENCH_ARGS, ensureSysbenchFixtures, startMysqlSluice } from '../helpers/mysql-sluice.js';

const THREADS = 1000;
const POOL = 50;
const sysbench = (args: string[]) => runProgram('bash', ['-c', `${RAISE_NOFILE}; exec sysbench "$@"`, 'sysbench', ...args], { timeoutMs: 120_000 });

await ensureSysbenchFixtures(sysbench);
const s = await startMysqlSluice({ size: POOL, pool: 'query_wait_timeout: 60s' });
t.teardown(() => s.stop());

t.test(`oltp_read_write, ${THREADS} threads over a pool of ${POOL}`, async (t) => {
  const root = await mysql.createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: 'root', password: '' });
  t.teardown(() => root.end());
  let most = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const [rows] = await root.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = 'sbtest'");
      most = Math.max(most, Number(rows[0]!.n));
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const r = await sysbench(['oltp_read_write', ...SYSBENCH_ARGS, '--mysql-host=127.0.0.1', `--mysql-port=${s.port}`, `--threads=${THREADS}`, '--time=10', '--report-interval=0', 'run']);
  sampling = false;
  await sampler;
  t.equal(r.code, 0, r.stderr.slice(0, 2000));
  t.notMatch(r.stdout + r.stderr, /FATAL/);
  const tx = /transactions:\s+(\d+)/.exec(r.stdout);
  t.ok(tx && Number(tx[1]) > 0, 'transactions ran');
  const ignored = /ignored errors:\s+(\d+)/.exec(r.stdout);
  t.comment(`transactions ${tx?.[1]}, ignored errors (deadlocks sysbench retries) ${ignored?.[1]}, most sbtest sessions on MariaDB ${most}`);
  t.ok(most <= POOL, `MariaDB saw at most ${POOL} sessions (saw ${most})`);
});
