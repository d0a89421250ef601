// auth_query (PgBouncer's auth_user): a client logs in as a role Sluice's configuration does
// not list; Sluice fetches the role's stored verifier through the auth user, checks the client
// against it, and logs in to the server by SCRAM or md5 pass-through, never holding the
// password. Real temporary clusters: SCRAM-only (a SECURITY DEFINER lookup function that also
// logs each call, so the test counts lookups) and md5-only (the default query on pg_shadow).
import t, { type Test } from 'tap';
import pg from 'pg';
import pino from 'pino';
import { parseConfig } from '../../src/config/load.js';
import type { ConfigError } from '../../src/errors.js';
import { Gateway } from '../../src/gateway.js';
import { startMd5OnlyCluster, startScramOnlyCluster, type TempCluster } from '../helpers/cluster.js';

const LOOKUP_QUERY = 'SELECT usename, passwd FROM public.user_lookup($1)';

const scram = await startScramOnlyCluster();
t.teardown(() => scram.stop());
await asSuperuser(scram, scram.database, [
  `CREATE ROLE auth_lookup LOGIN PASSWORD 'lookup-pass'`,
  `CREATE ROLE dyn_user LOGIN PASSWORD 'dyn-pass'`,
  `CREATE ROLE dyn_rotating LOGIN PASSWORD 'first-pass'`,
  'CREATE TABLE public.auth_lookups (usename text NOT NULL)',
  `CREATE FUNCTION public.user_lookup(p_user text, OUT usename name, OUT passwd text) RETURNS SETOF record
     LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
     BEGIN
       INSERT INTO public.auth_lookups VALUES (p_user);
       RETURN QUERY SELECT s.usename, s.passwd FROM pg_catalog.pg_shadow s WHERE s.usename = p_user;
     END $$`,
  'REVOKE ALL ON FUNCTION public.user_lookup(text) FROM PUBLIC',
  'GRANT EXECUTE ON FUNCTION public.user_lookup(text) TO auth_lookup',
]);

async function asSuperuser(cluster: TempCluster, database: string, statements: string[]): Promise<void> {
  const admin = new pg.Client({ host: cluster.socketDir, port: cluster.port, user: 'postgres', database });
  await admin.connect();
  try {
    for (const sql of statements) await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** Calls of the lookup function for `user`, counted by the function itself. */
async function lookups(user: string): Promise<number> {
  const admin = new pg.Client({ host: scram.socketDir, port: scram.port, user: 'postgres', database: scram.database });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: string }>('SELECT count(*) AS n FROM public.auth_lookups WHERE usename = $1', [user]);
    return Number(rows[0]!.n);
  } finally {
    await admin.end();
  }
}

/** The gateway startGateway started last, for tests that look at its admin side. */
let lastGateway: Gateway | null = null;

async function startGateway(t: Test, cluster: TempCluster, source: string, top = ''): Promise<(user: string, password: string) => Promise<pg.Client>> {
  const config = await parseConfig(`${top}
listeners:
  postgres: { listen: "127.0.0.1:0" }
sources:
  app:
    kind: postgres
    database: ${cluster.database}
    pool: { size: 2 }
    health: { probe_interval: 1h }
    hosts: [{ host: 127.0.0.1, port: ${cluster.port} }]
${source}
`, 'auth-query.yaml');
  const gateway = new Gateway(config, pino({ level: 'silent' }));
  await gateway.start();
  lastGateway = gateway;
  t.teardown(() => gateway.shutdown(1000));
  const port = gateway.postgresAddress!.port;
  return async (user, password) => {
    const c = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'app' });
    await c.connect();
    t.teardown(() => c.end().catch(() => undefined));
    return c;
  };
}

async function currentUser(c: pg.Client): Promise<string | undefined> {
  return (await c.query<{ who: string }>('SELECT current_user AS who')).rows[0]?.who;
}

t.test('SCRAM: a role not in the configuration logs in through auth_query, cached', async (t) => {
  const connect = await startGateway(t, scram, `
    auth: scram-sha-256
    users: [{ name: auth_lookup, password: lookup-pass }]
    auth_user: auth_lookup
    auth_query: "${LOOKUP_QUERY}"
    auth_query_ttl: 1h`);
  const client = await connect('dyn_user', 'dyn-pass');
  t.equal(await currentUser(client), 'dyn_user', 'the server accepted the keys the client proved (SCRAM pass-through)');
  await t.rejects(connect('dyn_user', 'wrong-pass'), { code: '28P01', message: 'password authentication failed for user "dyn_user"' }, 'a wrong password is refused as PostgreSQL refuses it');
  const second = await connect('dyn_user', 'dyn-pass');
  t.equal(await currentUser(second), 'dyn_user');
  t.equal(await lookups('dyn_user'), 1, 'three logins within the TTL, one lookup');

  await t.rejects(connect('no_such_role', 'anything'), { code: '28P01', message: 'password authentication failed for user "no_such_role"' },
    'a missing role gets the wrong-password answer: its existence is not revealed');
  await t.rejects(connect('no_such_role', 'anything'), { code: '28P01' });
  t.equal(await lookups('no_such_role'), 1, 'the missing role is remembered too');
});

t.test('lookups and cache hits are counted on /metrics', async (t) => {
  const connect = await startGateway(t, scram, `
    auth: scram-sha-256
    users: [{ name: auth_lookup, password: lookup-pass }]
    auth_user: auth_lookup
    auth_query: "${LOOKUP_QUERY}"
    auth_query_ttl: 1h`, 'admin: { listen: "127.0.0.1:0", auth: none }');
  await connect('dyn_user', 'dyn-pass');
  await connect('dyn_user', 'dyn-pass');
  await t.rejects(connect('no_such_role', 'anything'), { code: '28P01' });
  const admin = lastGateway!.adminAddress!;
  const text = await (await fetch(`http://${admin.host}:${admin.port}/metrics`)).text();
  t.match(text, /sluice_auth_query_lookups_total\{source="app",result="found"\} 1\n/);
  t.match(text, /sluice_auth_query_lookups_total\{source="app",result="missing"\} 1\n/);
  t.match(text, /sluice_auth_query_lookups_total\{source="app",result="failed"\} 0\n/);
  t.match(text, /sluice_auth_query_cache_hits_total\{source="app"\} 1\n/);
});

t.test('SCRAM: a password changed on the server is picked up after the TTL', async (t) => {
  const connect = await startGateway(t, scram, `
    auth: scram-sha-256
    users: [{ name: auth_lookup, password: lookup-pass }]
    auth_user: auth_lookup
    auth_query: "${LOOKUP_QUERY}"
    auth_query_ttl: 1s`, 'brute_force: { enabled: false }   # the polling below fails until the TTL ends');
  const before = await connect('dyn_rotating', 'first-pass');
  t.equal(await currentUser(before), 'dyn_rotating');
  await asSuperuser(scram, scram.database, [`ALTER ROLE dyn_rotating PASSWORD 'second-pass'`]);
  const after = await eventually(() => connect('dyn_rotating', 'second-pass'));
  t.equal(await currentUser(before), 'dyn_rotating', 'the session logged in with the old password goes on');
  // Hold the pool's existing server connection in a transaction, so the next query needs a
  // new one: it logs in with the keys of the new password.
  await before.query('BEGIN');
  t.equal(await currentUser(after), 'dyn_rotating', 'a new server connection logs in with the new keys');
  await before.query('COMMIT');
  await t.rejects(connect('dyn_rotating', 'first-pass'), { code: '28P01' }, 'the old password no longer works');
});

t.test('a lookup that fails refuses the login without judging the password', async (t) => {
  // PgBouncer's default query reads pg_shadow, which only a superuser may.
  const connect = await startGateway(t, scram, `
    users: [{ name: auth_lookup, password: lookup-pass }]
    auth_user: auth_lookup`);
  await t.rejects(connect('dyn_user', 'dyn-pass'), { code: '08006', message: 'cannot check the password of user "dyn_user" now: auth_query failed (see Sluice\'s log)' });
});

t.test('failures of looked-up users count in the brute-force guard; a locked name is not looked up', async (t) => {
  const connect = await startGateway(t, scram, `
    users: [{ name: auth_lookup, password: lookup-pass }]
    auth_user: auth_lookup
    auth_query: "${LOOKUP_QUERY}"
    auth_query_ttl: 0`, 'brute_force: { user_delay_after: 5, user_lockout_after: 2 }');
  await t.rejects(connect('ghost_role', 'guess-1'), { code: '28P01' });
  await t.rejects(connect('ghost_role', 'guess-2'), { code: '28P01' });
  const looked = await lookups('ghost_role');
  t.equal(looked, 2, 'with auth_query_ttl 0 each login looks up');
  await t.rejects(connect('ghost_role', 'guess-3'), { code: '28000', message: /too many failed logins for user "ghost_role"/ });
  t.equal(await lookups('ghost_role'), looked, 'the locked name cost the database no lookup');
});

t.test('a reload keeps the pools of users found by auth_query', async (t) => {
  const config = (ttl: string) => `
listeners:
  postgres: { listen: "127.0.0.1:0" }
sources:
  app:
    kind: postgres
    database: ${scram.database}
    pool: { size: 2 }
    health: { probe_interval: 1h }
    hosts: [{ host: 127.0.0.1, port: ${scram.port} }]
    users: [{ name: auth_lookup, password: lookup-pass }]
    auth_user: auth_lookup
    auth_query: "${LOOKUP_QUERY}"
    auth_query_ttl: ${ttl}
`;
  const gateway = new Gateway(await parseConfig(config('1h'), 'reload.yaml'), pino({ level: 'silent' }));
  await gateway.start();
  t.teardown(() => gateway.shutdown(1000));
  const client = new pg.Client({ host: '127.0.0.1', port: gateway.postgresAddress!.port, user: 'dyn_user', password: 'dyn-pass', database: 'app' });
  await client.connect();
  t.teardown(() => client.end());
  const source = gateway.postgres!.sources.get('app')!;
  const pool = source.pools.get('dyn_user');
  t.ok(pool, 'the found user has a pool');
  await gateway.reload(await parseConfig(config('2h'), 'reload.yaml'));
  t.equal(source.pools.get('dyn_user'), pool, 'the same pool after a reload');
  t.equal(await currentUser(client), 'dyn_user', 'and the client goes on');
});

t.test('md5: the default auth_query on pg_shadow, md5 pass-through to the server', async (t) => {
  const md5 = await startMd5OnlyCluster();
  t.teardown(() => md5.stop());
  await asSuperuser(md5, 'postgres', [
    `CREATE ROLE auth_super SUPERUSER LOGIN PASSWORD 'super-pass'`,
    `CREATE ROLE dyn_md5 LOGIN PASSWORD 'md5-dyn-pass'`,
  ]);
  const connect = await startGateway(t, md5, `
    auth: md5
    users: [{ name: auth_super, password: super-pass }]
    auth_user: auth_super`);
  const client = await connect('dyn_md5', 'md5-dyn-pass');
  t.equal(await currentUser(client), 'dyn_md5', 'the md5 hash logged Sluice in to the server');
  await t.rejects(connect('dyn_md5', 'wrong'), { code: '28P01', message: 'password authentication failed for user "dyn_md5"' });
  await t.rejects(connect('nobody_here', 'wrong'), { code: '28P01', message: 'password authentication failed for user "nobody_here"' });
});

/** Retries `attempt` until it succeeds: the condition is the cache's expiry, which no event announces. */
async function eventually<T>(attempt: () => Promise<T>, deadlineMs = 20_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

t.test('configuration: auth_user is one of the users, auth_query needs it', async (t) => {
  const yaml = (extra: string) => `
sources:
  app:
    kind: postgres
    hosts: [{ host: 127.0.0.1 }]
    users: [{ name: lookup, password: pw }]
${extra}
`;
  const app = (await parseConfig(yaml('    auth_user: lookup'), 'ok.yaml')).sources.app;
  t.match(app, { auth_user: 'lookup', auth_query: 'SELECT usename, passwd FROM pg_shadow WHERE usename = $1', auth_query_ttl: 60_000 }, "PgBouncer's query, a minute's cache");
  const issuesOf = (extra: string) => parseConfig(yaml(extra), 'bad.yaml').then(() => [], (err: ConfigError) => [...err.issues]);
  t.match(await issuesOf('    auth_user: stranger'), [/sources\.app\.auth_user: "stranger" is not one of this source's users/]);
  t.match(await issuesOf('    auth_query_ttl: 5s'), [/sources\.app\.auth_query: needs auth_user/]);
});
