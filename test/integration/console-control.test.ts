/**
 * The console's admin commands: PAUSE/RESUME (clients wait, then run), DISABLE/ENABLE,
 * KILL, RECONNECT, RELOAD, SHUTDOWN; a stats user refused any of them.
 */
import t from 'tap';
import pg from 'pg';
import { ADMIN, STATS, ask, consoleClient, psql, records, startConsoleSluice } from '../helpers/console.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

async function poolRow(c: pg.Client): Promise<Record<string, unknown>> {
  return records(await ask(c, 'SHOW POOLS')).find((r) => r.database === 'app' && r.user === TEST_ROLE)!;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.test('PAUSE and RESUME', async (t) => {
  const s = await startConsoleSluice({ size: 2 });
  t.teardown(() => s.stop());
  const admin = await consoleClient(s);
  const app = new pg.Client(s.url());
  await app.connect();
  t.teardown(() => Promise.all([admin.end(), app.end()]));
  await app.query('select 1');

  t.equal((await ask(admin, 'PAUSE app')).command, 'PAUSE');
  t.equal((await poolRow(admin)).cl_waiting, 0);
  t.match((await ask(admin, 'SHOW DATABASES')).rows[0], ['app'], 'one database');
  t.equal(records(await ask(admin, 'SHOW DATABASES'))[0]!.paused, 1, 'SHOW DATABASES says paused');
  let done = false;
  const q = app.query('select 42 as n').then((r) => { done = true; return r; });
  await until(async () => (await poolRow(admin)).cl_waiting === 1, 'the query to wait');
  t.notOk(done, 'a query waits while the database is paused');
  t.equal((await ask(admin, 'RESUME app')).command, 'RESUME');
  t.equal((await q).rows[0].n, 42, 'and runs after RESUME');
  await t.rejects(admin.query('RESUME'), { code: '08P01', message: 'pooler is not paused/suspended' });
  await t.rejects(admin.query('PAUSE nosuch'), { code: '08P01', message: 'no such database: nosuch' });

  t.equal((await ask(admin, 'PAUSE')).command, 'PAUSE', 'PAUSE without a name pauses everything');
  t.same((await ask(admin, 'SHOW STATE')).rows[1], ['paused', 'yes']);
  t.equal((await ask(admin, 'RESUME')).command, 'RESUME');
  t.equal((await app.query('select 1 as n')).rows[0].n, 1);
  t.match(await psql(s, 'PAUSE app'), /PAUSE/, 'psql runs PAUSE too');
  t.match(await psql(s, 'RESUME app'), /RESUME/);
});

t.test('a stats user may only SHOW', async (t) => {
  const s = await startConsoleSluice();
  t.teardown(() => s.stop());
  const stats = await consoleClient(s, STATS);
  t.teardown(() => stats.end());
  for (const cmd of ['PAUSE', 'PAUSE app', 'RESUME', 'RELOAD', 'KILL app', 'DISABLE app', 'SHUTDOWN']) {
    await t.rejects(stats.query(cmd), { code: '42501', message: 'admin access needed' }, cmd);
  }
  t.equal((await ask(stats, 'SHOW POOLS')).command, 'SHOW');
  t.equal(records(await ask(stats, 'SHOW DATABASES'))[0]!.paused, 0, 'nothing was paused');
});

t.test('DISABLE, ENABLE, KILL, RECONNECT, RELOAD', async (t) => {
  const s = await startConsoleSluice();
  t.teardown(() => s.stop());
  const admin = await consoleClient(s);
  t.teardown(() => admin.end());

  t.equal((await ask(admin, 'DISABLE app')).command, 'DISABLE');
  t.equal(records(await ask(admin, 'SHOW DATABASES'))[0]!.disabled, 1);
  const refused = new pg.Client(s.url());
  refused.on('error', () => {});
  await t.rejects(refused.connect(), { code: '57P03', message: /disabled/ }, 'new clients are refused');
  t.equal((await ask(admin, 'ENABLE app')).command, 'ENABLE');
  const victim = new pg.Client(s.url());
  victim.on('error', () => {});
  await victim.connect();
  t.equal((await victim.query('select 1 as n')).rows[0].n, 1, 'enabled again');

  const [{ pid }] = (await victim.query<{ pid: number }>('select pg_backend_pid() as pid')).rows;
  t.equal((await ask(admin, 'RECONNECT app')).command, 'RECONNECT');
  const [{ pid: after }] = (await victim.query<{ pid: number }>('select pg_backend_pid() as pid')).rows;
  t.not(after, pid, 'RECONNECT retires the server connections');

  const ended = new Promise<Error>((resolve) => victim.once('error', resolve));
  t.equal((await ask(admin, 'KILL app')).command, 'KILL');
  t.match(await ended, { code: '57P01' }, 'KILL drops the database\'s clients');
  t.equal(records(await ask(admin, 'SHOW DATABASES'))[0]!.paused, 1, 'and leaves it paused');
  t.equal((await ask(admin, 'RESUME app')).command, 'RESUME');

  t.equal((await ask(admin, 'RELOAD')).command, 'RELOAD');
  t.equal((await ask(admin, 'SHOW VERSION')).rows.length, 1, 'the console survives RELOAD');
});

t.test('SHUTDOWN', async (t) => {
  const s = await startConsoleSluice();
  t.teardown(() => s.stop());
  const admin = await consoleClient(s, ADMIN);
  const gone = new Promise<void>((resolve) => admin.once('end', resolve));
  t.equal((await ask(admin, 'SHUTDOWN')).command, 'SHUTDOWN');
  await gone;
  const late = new pg.Client(s.url());
  late.on('error', () => {});
  await t.rejects(late.connect(), 'no new clients after SHUTDOWN');
});
