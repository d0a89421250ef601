// A real password rotation under load: pgbench runs through the real `sluice` binary against a
// SCRAM-only PostgreSQL while the server role's password is changed (ALTER ROLE) and the new
// one is delivered by a `${vault:...}` reference refresh from the Vault test double. No
// transaction may fail; afterwards every server connection of the role is one opened after
// the change, so the old ones retired as their transactions ended.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startScramOnlyCluster } from '../helpers/cluster.js';
import { startSluiceProcess } from '../helpers/sluice-process.js';
import { VaultDouble } from '../doubles/vault.js';
import { AwsSecretsManagerDouble } from '../doubles/aws-secrets-manager.js';
import { PROBE_APPLICATION_NAME } from '../../src/proxy/postgres/pg-probe.js';

const ROLE = 'rotation_user';
const CLIENTS = 8;

const cluster = await startScramOnlyCluster();
t.teardown(() => cluster.stop());
const admin = new pg.Client({ host: cluster.socketDir, port: cluster.port, user: 'postgres', database: 'postgres' });
await admin.connect();
t.teardown(() => admin.end());
await admin.query('SET password_encryption = \'scram-sha-256\'');
await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD 'rot-pass-1'`);

const vault = await new VaultDouble().start();
t.teardown(() => vault.close());
vault.tokens.add('test-root-token');
vault.putKv('secret/sluice/rotation', { password: 'rot-pass-1' });

const sluice = await startSluiceProcess({
  source: 'rot',
  user: 'app',
  password: 'app-client-pass',
  instrument: false,
  configText: `
listeners:
  postgres: { listen: "127.0.0.1:0" }
secrets:
  refresh: 200ms
  vault: { address: "${vault.url}", auth: { method: token, token: test-root-token } }
sources:
  rot:
    kind: postgres
    database: ${cluster.database}
    auth: md5
    pool: { mode: transaction, size: 4 }
    health: { probe_interval: 1h }
    hosts: [{ host: 127.0.0.1, port: ${cluster.port} }]
    users:
      - { name: app, password: app-client-pass, server_user: ${ROLE}, server_password: "\${vault:secret/sluice/rotation#password}" }
log: { level: info }
shutdown_timeout: 5s
`,
});
t.teardown(() => sluice.stop());

const dir = mkdtempSync(join(tmpdir(), 'sluice-rotation-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const script = join(dir, 'tx.sql');
// Several statements per transaction, so some are always mid-transaction when the change lands.
writeFileSync(script, 'BEGIN;\nSELECT 1;\nSELECT pg_sleep(0.002);\nSELECT 2;\nEND;\n');

/** Resolves when `predicate` holds for a log line Sluice wrote; its logs are polled (the helper has no event). */
async function logged(predicate: (e: { msg: string; [k: string]: unknown }) => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!sluice.logs().some(predicate)) {
    if (Date.now() > deadline) throw new Error('expected log line not seen');
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('ALTER ROLE ... PASSWORD during pgbench, new password from a Vault refresh: no failed transaction', async (t) => {
  const bench = spawn('pgbench', ['-n', '-f', script, '-c', String(CLIENTS), '-j', '2', '-T', '6', '-P', '1', '-h', '127.0.0.1', '-p', String(sluice.port), '-U', 'app', 'rot'], {
    env: { ...process.env, PGPASSWORD: 'app-client-pass' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  bench.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  const firstProgress = new Promise<void>((resolve) => {
    bench.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      if (stderr.includes('progress:')) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => bench.once('close', (code) => resolve(code)));

  await Promise.race([firstProgress, exited]);
  const [{ changed_at: changedAt }] = (await admin.query<{ changed_at: Date }>('SELECT clock_timestamp() AS changed_at')).rows as [{ changed_at: Date }];
  await admin.query(`ALTER ROLE ${ROLE} PASSWORD 'rot-pass-2'`);
  vault.putKv('secret/sluice/rotation', { password: 'rot-pass-2' });
  await logged((e) => e.msg === 'secrets refreshed', 5000);

  const code = await exited;
  t.equal(code, 0, 'pgbench exits 0');
  if (code !== 0) t.comment(stderr.slice(-2000));
  const processed = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1] ?? 0);
  t.ok(processed > 0, `transactions ran (${processed})`);
  t.match(stdout, /number of failed transactions: 0 /, 'no failed transaction');
  t.notMatch(stderr, /error|FATAL/i);

  const refreshed = sluice.logs().find((e) => e.msg === 'secrets refreshed');
  t.same(refreshed?.['changes'], ['sources.rot.users[0].server_password: changed'], 'the refresh says what changed, not to what');
  // The health probe keeps its own session (opened at start), which a password change does not end.
  const servers = (await admin.query<{ started: Date }>('SELECT backend_start AS started FROM pg_stat_activity WHERE usename = $1 AND application_name <> $2', [ROLE, PROBE_APPLICATION_NAME])).rows;
  t.ok(servers.length > 0, 'the pool holds connections after the run');
  t.ok(servers.every((s) => s.started > changedAt), 'every connection left was opened with the new password');
  t.notOk(sluice.logs().some((e) => e.msg === 'server connection failed'), 'no server login failed');
  const everything = JSON.stringify(sluice.logs()) + sluice.noise();
  t.notMatch(everything, /rot-pass-[12]|test-root-token/, 'no secret in the logs');
});

t.test('AWS Secrets Manager ahead of the database: the refused AWSCURRENT is followed by AWSPREVIOUS once', async (t) => {
  await admin.query("CREATE ROLE aws_rotation_user LOGIN PASSWORD 'aws-pass-old'");
  const aws = await new AwsSecretsManagerDouble().start();
  t.teardown(() => aws.close());
  aws.put('db/rotation', JSON.stringify({ username: 'aws_rotation_user', password: 'aws-pass-old' }));
  // The rotation wrote the new version, but has not changed the database yet.
  aws.put('db/rotation', JSON.stringify({ username: 'aws_rotation_user', password: 'aws-pass-new' }));
  // The SDK's default credential chain reads these in the child; the double checks no signature.
  process.env['AWS_ACCESS_KEY_ID'] = 'AKIDEXAMPLE';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  const awsSluice = await startSluiceProcess({
    source: 'rot',
    user: 'app',
    password: 'app-client-pass',
    configText: `
listeners:
  postgres: { listen: "127.0.0.1:0" }
secrets:
  aws: { region: us-east-1, endpoint: "${aws.url}" }
sources:
  rot:
    kind: postgres
    database: ${cluster.database}
    auth: md5
    pool: { mode: transaction, size: 2 }
    health: { probe_interval: 1h }
    hosts: [{ host: 127.0.0.1, port: ${cluster.port} }]
    users:
      - { name: app, password: app-client-pass, server_user: "\${aws-sm:db/rotation#username}", server_password: "\${aws-sm:db/rotation#password}" }
log: { level: info }
shutdown_timeout: 5s
`,
  });
  t.teardown(() => awsSluice.stop());
  const client = new pg.Client({ connectionString: awsSluice.url() });
  await client.connect();
  t.teardown(() => client.end());
  const { rows } = await client.query<{ who: string }>('SELECT current_user AS who');
  t.equal(rows[0]?.who, 'aws_rotation_user', 'logged in with the previous password');
  t.ok(aws.stages.includes('AWSPREVIOUS'), 'AWSPREVIOUS was asked for');
  t.notMatch(JSON.stringify(awsSluice.logs()) + awsSluice.noise(), /aws-pass-(old|new)/, 'no secret in the logs');
});
