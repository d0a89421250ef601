// Stored SCRAM verifiers: a user configured with pg_authid's verifier instead of a password logs
// in to Sluice with SCRAM, and Sluice logs in to a SCRAM-only PostgreSQL with the keys the client
// proved (PgBouncer's pass-through), never holding the password. A wrong password still fails.
import t from 'tap';
import pg from 'pg';
import pino from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import { SCRAM_PASSWORD, SCRAM_USER, startScramOnlyCluster } from '../helpers/cluster.js';

const cluster = await startScramOnlyCluster();
t.teardown(() => cluster.stop());
const admin = new pg.Client({ host: cluster.socketDir, port: cluster.port, user: 'postgres', database: 'postgres' });
await admin.connect();
const [{ verifier }] = (await admin.query<{ verifier: string }>('SELECT rolpassword AS verifier FROM pg_authid WHERE rolname = $1', [SCRAM_USER])).rows as [{ verifier: string }];
await admin.end();

t.test('a SCRAM login with a stored verifier reaches a SCRAM-only server', async (t) => {
  t.match(verifier, /^SCRAM-SHA-256\$4096:/);
  const config = await parseConfig(`
listeners:
  postgres: { listen: "127.0.0.1:0" }
sources:
  app:
    kind: postgres
    database: ${cluster.database}
    auth: scram-sha-256
    pool: { size: 2 }
    health: { probe_interval: 1h }
    hosts: [{ host: 127.0.0.1, port: ${cluster.port} }]
    users:
      - { name: ${SCRAM_USER}, password: "${verifier}" }
`, 'pass-through.yaml');
  const gateway = new Gateway(config, pino({ level: 'silent' }));
  await gateway.start();
  t.teardown(() => gateway.shutdown(1000));
  const port = gateway.postgresAddress!.port;
  const connect = async (password: string) => {
    const c = new pg.Client({ host: '127.0.0.1', port, user: SCRAM_USER, password, database: 'app' });
    await c.connect();
    return c;
  };
  await t.rejects(connect('not-the-password'), { code: '28P01' }, 'a wrong password is refused');
  const client = await connect(SCRAM_PASSWORD);
  t.teardown(() => client.end());
  const { rows } = await client.query<{ who: string }>('SELECT current_user AS who');
  t.equal(rows[0]?.who, SCRAM_USER, 'the server accepted the keys the client proved');
  const second = await connect(SCRAM_PASSWORD);
  await second.query('SELECT 1');
  await second.end();
});
