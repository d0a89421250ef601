/**
 * The test helpers themselves: temporary SCRAM-only and md5-only clusters really demand
 * their method, and the main-cluster helpers create roles and count backends.
 */
import t from 'tap';
import pg from 'pg';
import { startMd5OnlyCluster, startScramOnlyCluster, type TempCluster } from '../helpers/cluster.js';
import { adminQuery, countBackends, ensureRoleAndDb, waitForBackends } from '../helpers/postgres.js';

const INVALID_PASSWORD = '28P01';

async function login(cluster: TempCluster, password: string): Promise<string> {
  const client = new pg.Client({ host: cluster.host, port: cluster.port, user: cluster.user, password, database: cluster.database });
  await client.connect();
  try {
    const { rows } = await client.query<{ who: string }>('SELECT current_user AS who');
    return rows[0]?.who ?? '';
  } finally {
    await client.end();
  }
}

/** What the server stored for the user, read as the superuser over the trusted unix socket. */
async function storedSecret(cluster: TempCluster): Promise<string> {
  const admin = new pg.Client({ host: cluster.socketDir, port: cluster.port, user: 'postgres', database: 'postgres' });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ secret: string }>('SELECT rolpassword AS secret FROM pg_authid WHERE rolname = $1', [cluster.user]);
    return rows[0]?.secret ?? '';
  } finally {
    await admin.end();
  }
}

const cases = [
  { name: 'scram-only cluster', start: startScramOnlyCluster, secretPrefix: 'SCRAM-SHA-256$' },
  { name: 'md5-only cluster', start: startMd5OnlyCluster, secretPrefix: 'md5' },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const cluster = await c.start();
    t.teardown(() => cluster.stop());

    t.equal(await login(cluster, cluster.password), cluster.user, 'right password logs in');
    await t.rejects(login(cluster, 'wrong'), { code: INVALID_PASSWORD }, 'wrong password is refused with 28P01');
    t.ok((await storedSecret(cluster)).startsWith(c.secretPrefix), `password stored as ${c.secretPrefix}…`);
  });
}

t.test('both clusters run side by side and stop cleanly', async (t) => {
  const [a, b] = await Promise.all([startScramOnlyCluster(), startMd5OnlyCluster()]);
  t.not(a.port, b.port, 'each gets its own port');
  await Promise.all([a.stop(), b.stop()]);
  await t.rejects(login(a, a.password), { code: 'ECONNREFUSED' }, 'stopped cluster no longer listens');
  await a.stop();
  t.pass('stop() twice is harmless');
});

t.test('main cluster helpers', async (t) => {
  const role = 'sluice_helper_check';
  const secret = async () => (await adminQuery<{ s: string }>('SELECT rolpassword AS s FROM pg_authid WHERE rolname = $1', [role]))[0]?.s;
  await ensureRoleAndDb(role, 'first');
  const first = await secret();
  await ensureRoleAndDb(role, 'second');
  t.ok(first, 'role created with a password');
  t.not(await secret(), first, 'a second call resets the password');
  t.teardown(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${role} WITH (FORCE)`);
    await adminQuery(`DROP ROLE IF EXISTS ${role}`);
  });

  const app = 'sluice-helper-check';
  const clients = [0, 1, 2].map(() => new pg.Client({
    host: '127.0.0.1', port: 5432, user: role, password: 'second', database: role, application_name: app,
  }));
  await Promise.all(clients.map((client) => client.connect()));
  t.equal(await countBackends({ usename: role, datname: role, application_name: app }), 3, 'counts the open connections');
  t.equal(await countBackends({ usename: role, application_name: 'someone-else' }), 0, 'filters by every field');

  await Promise.all(clients.map((client) => client.end()));
  t.equal(await waitForBackends({ application_name: app }, 0), 0, 'backends go away after close');
});
