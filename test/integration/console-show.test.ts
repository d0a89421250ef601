/**
 * The console's SHOW commands: PgBouncer 1.18's column names, order and types for each, and
 * live figures while a client holds a server; psql and node-postgres as the clients.
 */
import t from 'tap';
import pg from 'pg';
import { ADMIN, STATS, ask, consoleClient, psql, records, startConsoleSluice } from '../helpers/console.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';

const TEXT = 25, INT4 = 23, NUMERIC = 1700;

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

t.test('SHOW commands', async (t) => {
  const s = await startConsoleSluice({ mode: 'transaction', size: 3 });
  t.teardown(() => s.stop());
  // Load: one client inside a transaction (holds a server), one that ran queries and is idle.
  const busy = new pg.Client({ connectionString: s.url(), application_name: 'busy-app' });
  await busy.connect();
  await busy.query('begin');
  await busy.query('select 1');
  const idle = new pg.Client(s.url());
  await idle.connect();
  for (let i = 0; i < 5; i++) await idle.query('select $1::int', [i]);
  t.teardown(() => Promise.all([busy.end(), idle.end()]));

  const c = await consoleClient(s);
  t.teardown(() => c.end());

  t.test('POOLS', async (t) => {
    const a = await ask(c, 'SHOW POOLS');
    t.same(a.columns, ['database', 'user', 'cl_active', 'cl_waiting', 'cl_active_cancel_req', 'cl_waiting_cancel_req', 'sv_active', 'sv_active_cancel',
      'sv_being_canceled', 'sv_idle', 'sv_used', 'sv_tested', 'sv_login', 'maxwait', 'maxwait_us', 'pool_mode']);
    t.same(a.types, [TEXT, TEXT, ...Array(13).fill(INT4), TEXT]);
    t.equal(a.command, 'SHOW');
    const app = records(a).find((r) => r.database === 'app' && r.user === TEST_ROLE)!;
    t.ok(app, 'a row for the app pool');
    t.equal(app.sv_active, 1, 'the client in a transaction holds one server');
    t.equal(app.cl_active, 2, 'both logged-in clients count as cl_active, as in PgBouncer');
    t.equal(app.pool_mode, 'transaction');
  });

  t.test('STATS, STATS_TOTALS, STATS_AVERAGES, TOTALS', async (t) => {
    const stats = await ask(c, 'SHOW STATS');
    t.same(stats.columns, ['database', 'total_xact_count', 'total_query_count', 'total_received', 'total_sent', 'total_xact_time', 'total_query_time',
      'total_wait_time', 'avg_xact_count', 'avg_query_count', 'avg_recv', 'avg_sent', 'avg_xact_time', 'avg_query_time', 'avg_wait_time', 'total_requests']);
    t.same(stats.types, [TEXT, ...Array(15).fill(NUMERIC)]);
    const app = records(stats).find((r) => r.database === 'app')!;
    t.ok(Number(app.total_xact_count) >= 5, `transactions counted (${app.total_xact_count})`);
    t.equal(app.total_requests, app.total_query_count, 'total_requests (PgBouncer ≤ 1.7) is the query count');
    const seven = ['database', 'xact_count', 'query_count', 'bytes_received', 'bytes_sent', 'xact_time', 'query_time', 'wait_time'];
    const totals = await ask(c, 'SHOW STATS_TOTALS');
    t.same(totals.columns, seven);
    t.same(totals.types, [TEXT, ...Array(7).fill(NUMERIC)]);
    t.equal(records(totals).find((r) => r.database === 'app')!.xact_count, app.total_xact_count);
    const averages = await ask(c, 'show stats_averages;');
    t.same(averages.columns, seven);
    t.ok(records(averages).some((r) => r.database === 'app'));
    const all = await ask(c, 'SHOW TOTALS');
    t.same(all.columns, ['name', 'value']);
    t.ok(Number(records(all).find((r) => r.name === 'total_xact_count')!.value) >= 5);
  });

  t.test('CLIENTS and SERVERS', async (t) => {
    const columns = ['type', 'user', 'database', 'state', 'addr', 'port', 'local_addr', 'local_port', 'connect_time', 'request_time', 'wait', 'wait_us',
      'close_needed', 'ptr', 'link', 'remote_pid', 'tls', 'application_name'];
    const types = [TEXT, TEXT, TEXT, TEXT, TEXT, INT4, TEXT, INT4, TEXT, TEXT, INT4, INT4, INT4, TEXT, TEXT, INT4, TEXT, TEXT];
    const clients = await ask(c, 'SHOW CLIENTS');
    t.same(clients.columns, columns);
    t.same(clients.types, types);
    const busyRow = records(clients).find((r) => r.application_name === 'busy-app')!;
    t.ok(busyRow, 'the busy client is listed with its application_name');
    t.equal(busyRow.type, 'C');
    t.equal(busyRow.database, 'app');
    t.equal(busyRow.state, 'active');
    t.match(busyRow.connect_time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    const servers = await ask(c, 'SHOW SERVERS');
    t.same(servers.columns, columns);
    t.same(servers.types, types);
    const active = records(servers).find((r) => r.state === 'active')!;
    t.ok(active, 'the busy client\'s server is active');
    t.equal(active.type, 'S');
    t.equal(active.port, 5432);
    t.equal(active.link, busyRow.ptr, 'server and client link to each other');
    t.equal(busyRow.link, active.ptr);
    const [{ pid }] = (await busy.query<{ pid: number }>('select pg_backend_pid() as pid')).rows;
    t.equal(active.remote_pid, pid, 'remote_pid is the backend pid');
  });

  t.test('DATABASES, USERS, LISTS', async (t) => {
    const dbs = await ask(c, 'SHOW DATABASES');
    t.same(dbs.columns, ['name', 'host', 'port', 'database', 'force_user', 'pool_size', 'min_pool_size', 'reserve_pool', 'pool_mode',
      'max_connections', 'current_connections', 'paused', 'disabled']);
    t.same(dbs.types, [TEXT, TEXT, INT4, TEXT, TEXT, INT4, INT4, INT4, TEXT, INT4, INT4, INT4, INT4]);
    const app = records(dbs).find((r) => r.name === 'app')!;
    t.match(app, { host: '127.0.0.1', port: 5432, database: 'sluice_test', pool_size: 3, pool_mode: 'transaction', paused: 0, disabled: 0 });
    t.ok((app.current_connections as number) >= 1, 'open server connections are counted');
    const users = await ask(c, 'SHOW USERS');
    t.same(users.columns, ['name', 'pool_mode']);
    t.same(records(users).map((r) => r.name), [ADMIN.name, STATS.name, TEST_ROLE].sort());
    const lists = await ask(c, 'SHOW LISTS');
    t.same(lists.columns, ['list', 'items']);
    t.same(lists.types, [TEXT, INT4]);
    const items = Object.fromEntries(lists.rows as [string, number][]);
    t.same(Object.keys(items), ['databases', 'users', 'pools', 'free_clients', 'used_clients', 'login_clients', 'free_servers', 'used_servers',
      'dns_names', 'dns_zones', 'dns_queries', 'dns_pending']);
    t.equal(items.databases, 1);
    t.equal(items.users, 3);
    t.ok(items.used_clients! >= 2, 'the clients are counted');
    t.ok(items.used_servers! >= 1, 'the servers are counted');
  });

  t.test('CONFIG, VERSION, STATE, HELP', async (t) => {
    const config = await ask(c, 'SHOW CONFIG');
    t.same(config.columns, ['key', 'value', 'default', 'changeable']);
    const byKey = Object.fromEntries(records(config).map((r) => [r.key, r.value]));
    t.equal(byKey.default_pool_size, '3');
    t.equal(byKey.pool_mode, 'transaction');
    t.equal(byKey.admin_users, ADMIN.name);
    t.equal(byKey.stats_users, STATS.name);
    const version = await ask(c, 'SHOW VERSION');
    t.same(version.columns, ['version']);
    t.match(version.rows[0]![0], /^PgBouncer \d+\.\d+\.\d+/, 'tools parse PgBouncer\'s version form');
    const state = await ask(c, 'SHOW STATE');
    t.same(state.columns, ['key', 'value']);
    t.same(state.rows, [['active', 'yes'], ['paused', 'no'], ['suspended', 'no']]);
    const notices: string[] = [];
    c.on('notice', (n) => notices.push(`${n.message}\n${n.detail}`));
    await c.query('SHOW HELP');
    t.match(notices[0], /Console usage[\s\S]*SHOW HELP\|CONFIG\|DATABASES\|POOLS[\s\S]*PAUSE \[<db>\]/);
  });

  t.test('psql', async (t) => {
    const out = await psql(s, 'SHOW POOLS');
    t.match(out, /database\s*\|\s*user\s*\|\s*cl_active/);
    t.match(out, /app\s*\|\s*sluice_test\s*\|\s*2\s*\|\s*0/);
    t.match(await psql(s, 'SHOW VERSION', STATS), /PgBouncer 1\.18\.0/);
  });

  t.test('the sluice alias', async (t) => {
    const alias = await consoleClient(s, STATS, 'sluice');
    t.teardown(() => alias.end());
    t.equal((await ask(alias, 'SHOW LISTS')).rows.length, 12);
  });

  t.test('errors', async (t) => {
    await t.rejects(c.query('SHOW NONSENSE'), { code: '08P01', message: "invalid command 'SHOW NONSENSE', use SHOW HELP;" });
    await t.rejects(c.query('select 1'), { code: '08P01' });
    await t.rejects(c.query('SHOW POOLS', [1]), { code: '0A000', message: /simple query protocol/ }, 'the extended protocol gets a clear error');
    t.equal((await ask(c, 'SHOW VERSION')).rows.length, 1, 'and the session goes on');
    t.equal((await c.query('')).command, null, 'an empty query is answered');
  });
});

t.test('console login', async (t) => {
  const s = await startConsoleSluice();
  t.teardown(() => s.stop());
  await t.rejects(consoleClient(s, { name: ADMIN.name, password: 'wrong' }), { code: '28P01' }, 'a wrong password is refused');
  await t.rejects(consoleClient(s, { name: TEST_ROLE, password: TEST_PASSWORD }), { code: '28000', message: /admin\.admin_users/ },
    'a source user that is not a console user is refused');
  await t.rejects(consoleClient(s, { name: 'nobody', password: 'x' }), { code: '28000' });
});
