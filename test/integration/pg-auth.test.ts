/**
 * Logging in: clients to Sluice (SCRAM-SHA-256 by default, md5, trust; wrong password,
 * unknown database, unknown user, too many clients) and Sluice to servers that demand SCRAM
 * or md5 (temporary clusters).
 */
import t from 'tap';
import pg from 'pg';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { startMd5OnlyCluster, startScramOnlyCluster } from '../helpers/cluster.js';
import { ensureRoleAndDb, loginError, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import { RawClient, rows, serialize } from '../helpers/raw-client.js';
import { md5Response } from '../../src/wire/postgres/md5.js';
import { ScramClientSession } from '../../src/wire/postgres/scram.js';

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

async function whoAmI(url: string): Promise<string> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return (await c.query<{ u: string }>('select current_user as u')).rows[0]!.u;
  } finally {
    await c.end();
  }
}

for (const auth of ['scram-sha-256', 'md5'] as const) {
  t.test(`client auth ${auth}`, async (t) => {
    const s = await startSluice({ auth, size: 1 });
    t.teardown(() => s.stop());
    t.equal(await whoAmI(s.url()), TEST_ROLE, 'the right password logs in');
    const raw = await RawClient.login(s.port);
    const asked = raw.received.find((m) => m.name.startsWith('authentication') && m.name !== 'authenticationOk')!.name;
    t.equal(asked, auth === 'md5' ? 'authenticationMD5Password' : 'authenticationSASL', `Sluice asks for ${auth}`);
    await raw.end();
    const bad = await loginError(s.url({ password: 'not-the-password' }));
    t.equal(bad?.code, '28P01', 'a wrong password gets 28P01');
    t.match(bad?.message, /password authentication failed for user "sluice_test"/);
  });
}

t.test('client auth trust', async (t) => {
  const s = await startSluice({ auth: 'trust', size: 1 });
  t.teardown(() => s.stop());
  t.equal(await whoAmI(s.url({ password: 'anything at all' })), TEST_ROLE);
});

t.test('unknown database, unknown user, too many clients', async (t) => {
  const s = await startSluice({ size: 1, listener: { max_client_conn: 2 } });
  t.teardown(() => s.stop());
  const db = await loginError(s.url({ database: 'no_such_source' }));
  t.equal(db?.code, '3D000');
  t.match(db?.message, /no_such_source/);
  const user = await loginError(s.url({ user: 'nobody' }));
  t.equal(user?.code, '28000');
  t.match(user?.message, /nobody/);

  const a = new pg.Client(s.url());
  const b = new pg.Client(s.url());
  await a.connect();
  await b.connect();
  const third = await loginError(s.url());
  t.equal(third?.code, '53300', 'the third client is refused with 53300');
  t.match(third?.message, /too many clients/);
  await a.end();
  await new Promise((r) => setTimeout(r, 100));
  t.equal(await whoAmI(s.url()), TEST_ROLE, 'a slot frees when a client leaves');
  await b.end();
});

t.test('per-source max_client_conn', async (t) => {
  const s = await startSluice({ size: 1, pool: { max_client_conn: 1 } });
  t.teardown(() => s.stop());
  const a = new pg.Client(s.url());
  await a.connect();
  t.teardown(() => a.end());
  t.equal((await loginError(s.url()))?.code, '53300');
});

t.test('Sluice logs in to servers that demand SCRAM or md5', async (t) => {
  const [scram, md5] = await Promise.all([startScramOnlyCluster(), startMd5OnlyCluster()]);
  t.teardown(() => scram.stop());
  t.teardown(() => md5.stop());
  for (const cluster of [scram, md5]) {
    const s: TestSluice = await startSluice({
      host: cluster.host, port: cluster.port, database: cluster.database, user: cluster.user, password: cluster.password, size: 1,
    });
    t.teardown(() => s.stop());
    t.equal(await whoAmI(s.url()), cluster.user, `through Sluice to the ${cluster.database} cluster`);
    const c = new pg.Client(s.url());
    await c.connect();
    const r = await c.query<{ n: number }>({ text: 'select $1::int + 1 as n', values: [1], name: 'plus' });
    t.equal(r.rows[0]!.n, 2);
    await c.end();

    // Sluice configured with a password the server rejects: the client hears why at once, not
    // after query_wait_timeout (30 s here), because a refused login fails the waiters.
    const wrong = await startSluice({
      host: cluster.host, port: cluster.port, database: cluster.database, user: cluster.user, password: 'wrong-password', size: 1,
      pool: { query_wait_timeout: '30s' },
    });
    t.teardown(() => wrong.stop());
    const started = Date.now();
    const err = await loginError(wrong.url());
    t.ok(err?.code?.startsWith('08'), `a connection error (${err?.code})`);
    t.match(err?.message, /password authentication failed/, 'naming the server\'s refusal');
    t.ok(Date.now() - started < 5000);
  }
});

t.test('queries pipelined behind the login messages are not lost', async (t) => {
  const query = serialize.query('select 42');
  for (const auth of ['trust', 'md5', 'scram-sha-256'] as const) {
    for (const split of [query.length, 3]) {
      const s = await startSluice({ auth, size: 1 });
      t.teardown(() => s.stop());
      // The first login to a source waits for a server's parameters; later ones do not.
      for (const round of ['first login', 'later login']) {
        const c = await RawClient.connect(s.port);
        const startup = serialize.startup({ user: TEST_ROLE, database: 'app' });
        if (auth === 'trust') {
          c.write(startup, query.subarray(0, split));
        } else {
          c.write(startup);
          const req = await c.next();
          if (auth === 'md5') {
            c.write(serialize.password(md5Response(TEST_ROLE, TEST_PASSWORD, req.salt!)), query.subarray(0, split));
          } else {
            const scram = new ScramClientSession(TEST_PASSWORD);
            c.write(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', scram.clientFirst().toString('utf8')));
            const cont = await c.until('authenticationSASLContinue');
            const final = scram.handleServerFirst(Buffer.from(cont.at(-1)!.data!, 'utf8'));
            c.write(serialize.sendSCRAMClientFinalMessage(final.toString('utf8')), query.subarray(0, split));
          }
        }
        await c.untilReady();
        if (split < query.length) {
          await new Promise((r) => setTimeout(r, 20));
          c.write(query.subarray(split));
        }
        const r = await c.untilReady(3000).catch((err: Error) => err);
        t.same(r instanceof Error ? r.message : rows(r), [['42']], `${auth}, ${round}, ${split < query.length ? 'split' : 'whole'} query right behind the login`);
        await c.end();
      }
    }
  }
});
