/**
 * Session parameters per client in transaction mode. Two clients with different TimeZone,
 * DateStyle, application_name, IntervalStyle and standard_conforming_strings (from startup
 * options, then SET) share one server; each must always see its own values, both in SHOW and
 * in the ParameterStatus messages it was sent, and never the other client's.
 */
import t from 'tap';
import { startSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import { firstError, loginRaw, RawClient, rows, serialize, type Msg } from '../helpers/raw-client.js';

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

const NAMES = ['TimeZone', 'DateStyle', 'application_name', 'IntervalStyle', 'standard_conforming_strings'] as const;
type Settings = Record<(typeof NAMES)[number], string>;

const SHOW = `select ${NAMES.map((n) => `current_setting('${n}')`).join(', ')}, pg_backend_pid()`;

async function shown(c: RawClient): Promise<{ settings: Settings; pid: string }> {
  const r = await c.query(SHOW);
  const err = firstError(r);
  if (err) throw new Error(`SHOW failed: ${err.message}`);
  const [row] = rows(r);
  const settings = Object.fromEntries(NAMES.map((n, i) => [n, row![i]!])) as Settings;
  return { settings, pid: row![NAMES.length]! };
}

/** The last ParameterStatus value the client received for each name. */
function reported(msgs: Msg[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of msgs) if (m.name === 'parameterStatus') out.set(m.parameterName!, m.parameterValue!);
  return out;
}

t.test('two clients, one server, each keeps its own settings', async (t) => {
  const s = await startSluice({ size: 1, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());

  const a = await RawClient.login(s.port, {
    params: {
      application_name: 'client-a',
      options: '-c TimeZone=America/New_York -c DateStyle=SQL,\\ DMY -c IntervalStyle=iso_8601 -c standard_conforming_strings=off',
    },
  });
  // B spells the names in lower case, as GUC names are case-insensitive.
  const b = await RawClient.login(s.port, {
    params: { application_name: 'client-b', options: '-c timezone=Asia/Tokyo --datestyle=German -c intervalstyle=postgres_verbose' },
  });
  t.teardown(() => a.end());
  t.teardown(() => b.end());

  let wantA: Settings = { TimeZone: 'America/New_York', DateStyle: 'SQL, DMY', application_name: 'client-a', IntervalStyle: 'iso_8601', standard_conforming_strings: 'off' };
  let wantB: Settings = { TimeZone: 'Asia/Tokyo', DateStyle: 'German, DMY', application_name: 'client-b', IntervalStyle: 'postgres_verbose', standard_conforming_strings: 'on' };

  const loginA = reported(a.received), loginB = reported(b.received);
  for (const n of NAMES) {
    t.equal(loginA.get(n), wantA[n], `A's login ParameterStatus ${n}`);
    if (n !== 'DateStyle') t.equal(loginB.get(n), wantB[n], `B's login ParameterStatus ${n}`);
  }

  const check = async (round: string) => {
    for (const [c, want, who] of [[a, wantA, 'A'], [b, wantB, 'B']] as const) {
      const { settings } = await shown(c);
      t.same(settings, want, `${who} ${round}: SHOW`);
      const last = reported(c.received);
      for (const n of NAMES) t.equal(last.get(n), want[n], `${who} ${round}: last ParameterStatus ${n}`);
    }
  };
  const pidA = (await shown(a)).pid, pidB = (await shown(b)).pid;
  t.equal(pidA, pidB, 'both clients run on the one server');
  for (let i = 0; i < 3; i++) await check(`startup values, round ${i}`);

  const setA = await a.query("SET TimeZone = 'UTC'; SET application_name = 'a2'; SET DateStyle = 'ISO, YMD'");
  t.notOk(firstError(setA));
  t.ok(setA.some((m) => m.name === 'parameterStatus' && m.parameterName === 'TimeZone' && m.parameterValue === 'UTC'), 'A is told of its SET');
  wantA = { ...wantA, TimeZone: 'UTC', application_name: 'a2', DateStyle: 'ISO, YMD' };
  await b.query("set timezone to 'Europe/Paris'; set standard_conforming_strings = off; set intervalstyle = sql_standard");
  wantB = { ...wantB, TimeZone: 'Europe/Paris', standard_conforming_strings: 'off', IntervalStyle: 'sql_standard' };
  for (let i = 0; i < 3; i++) await check(`after SET, round ${i}`);

  // A SET rolled back is not kept; one committed in a transaction is.
  await a.query("begin; set TimeZone = 'Australia/Sydney'; rollback");
  await b.query("begin; set application_name = 'b-committed'; commit");
  wantB = { ...wantB, application_name: 'b-committed' };
  await check('after transactions');

  // RESET goes back to the server's default, not to the client's startup value (a known
  // limit of transaction pooling, as in PgBouncer); the client is at least told the truth.
  await a.query('reset TimeZone');
  const afterReset = (await shown(a)).settings.TimeZone;
  t.equal(reported(a.received).get('TimeZone'), afterReset, 'after RESET, the last ParameterStatus matches SHOW');
  wantA = { ...wantA, TimeZone: afterReset };
  await check('after RESET');

  for (const [c, other] of [[a, ['Asia/Tokyo', 'client-b', 'Europe/Paris', 'b-committed', 'postgres_verbose', 'sql_standard']], [b, ['America/New_York', 'client-a', 'a2', 'UTC', 'iso_8601']]] as const) {
    const leaked = c.received.filter((m) => m.name === 'parameterStatus' && (other as readonly string[]).includes(m.parameterValue!));
    t.same(leaked.map((m) => `${m.parameterName}=${m.parameterValue}`), [], 'never shown the other client\'s values');
  }
});

t.test('many clients with different settings on two servers', async (t) => {
  const s = await startSluice({ size: 2, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const zones = ['UTC', 'Asia/Tokyo', 'Europe/Paris', 'America/Denver', 'Africa/Cairo', 'Pacific/Auckland'];
  const clients = await Promise.all(zones.map((z, i) => RawClient.login(s.port, { params: { application_name: `app${i}`, options: `-c TimeZone=${z}` } })));
  t.teardown(() => Promise.all(clients.map((c) => c.end())));
  await Promise.all(clients.map(async (c, i) => {
    for (let k = 0; k < 15; k++) {
      const r = rows(await c.query("select current_setting('TimeZone'), current_setting('application_name')"))[0];
      if (r?.[0] !== zones[i] || r?.[1] !== `app${i}`) t.fail(`client ${i} round ${k} saw ${JSON.stringify(r)}`);
      if (k === 7) await c.query(`set application_name = 'app${i}'`);
    }
  }));
  t.pass('every client saw its own TimeZone and application_name in 90 interleaved queries');
});

t.test('list-valued settings from startup options keep their meaning', async (t) => {
  const s = await startSluice({ size: 1, pool: { query_wait_timeout: '10s' } });
  t.teardown(() => s.stop());
  const a = await RawClient.login(s.port, { params: { options: '-c search_path=pg_catalog,public' } });
  const b = await loginRaw(t, s.port);
  t.teardown(() => a.end());
  t.same(rows(await a.query('show search_path')), [['pg_catalog,public']], 'as on a direct connection');
  await b.query('select 1');
  t.same(rows(await a.query('select current_schemas(false)')), [['{pg_catalog,public}']], 'two schemas, as PostgreSQL reads -c search_path=a,b');
});

t.test('a startup option the server rejects refuses the client cleanly', async (t) => {
  const s = await startSluice({ size: 1 });
  t.teardown(() => s.stop());
  for (const [options, code] of [['-c statement_timeout=abc', '22023'], ['-c no_such_setting=1', '42704']] as const) {
    // PostgreSQL refuses such a login; Sluice learns of it at the client's first query, and
    // must not put the error in the middle of that query's response.
    const c = await RawClient.login(s.port, { params: { options } });
    c.write(serialize.query('select 1'));
    t.ok(await c.waitClosed(3000), `${options}: the client is closed`);
    const got = c.received.slice(c.received.findIndex((m) => m.name === 'readyForQuery') + 1);
    t.same(got.map((m) => m.name), ['error'], 'with nothing but the error');
    t.equal(got[0]?.code, code);
    t.equal(got[0]?.severity, 'FATAL');
  }
  const ok = await loginRaw(t, s.port);
  t.same(rows(await ok.query('select 1')), [['1']], 'other clients are fine');
});
