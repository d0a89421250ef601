// Secrets from every backend never reach the logs, the audit trail, /v1/config or /metrics. The
// real `sluice` binary runs at trace level with one source per backend: Vault KV (AppRole
// login), Vault database credentials (the double creates a real PostgreSQL role), AWS Secrets
// Manager and Azure Key Vault, all test doubles (test/doubles/). Clients log in through each,
// the secrets refresh, and every line is searched for every value and backend credential.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { adminQuery, ensureRoleAndDb } from '../helpers/postgres.js';
import { startSluiceProcess } from '../helpers/sluice-process.js';
import { VaultDouble } from '../doubles/vault.js';
import { AwsSecretsManagerDouble } from '../doubles/aws-secrets-manager.js';
import { AzureKeyVaultDouble } from '../doubles/azure-key-vault.js';

const ROLE = 'sluice_backend_probe';
const secret = (what: string) => `${what}-${randomBytes(6).toString('hex')}`;
const PASSWORD = secret('pg-pass');
const SECRET_ID = secret('approle-secret');
const AZURE_CLIENT_SECRET = secret('azure-client');
const AWS_KEY = secret('aws-key');
const DYNAMIC_PASSWORDS: string[] = [];

t.before(() => ensureRoleAndDb(ROLE, PASSWORD));

t.test('no backend secret in any log, audit line, /v1/config or /metrics, at trace level', async (t) => {
  const vault = await new VaultDouble().start();
  const aws = await new AwsSecretsManagerDouble().start();
  const azure = await new AzureKeyVaultDouble().start();
  t.teardown(() => Promise.all([vault.close(), aws.close(), azure.close()]));
  vault.approle = { roleId: 'sluice-role', secretId: SECRET_ID, leaseSeconds: 3600 };
  vault.putKv('secret/probe', { password: PASSWORD });
  vault.dynamicRoles.set('probe-rw', {
    leaseSeconds: 3600, maxSeconds: 7200,
    async issue() {
      const username = `v_probe_${randomBytes(4).toString('hex')}`;
      const password = secret('dyn-pass');
      DYNAMIC_PASSWORDS.push(password);
      await adminQuery(`CREATE ROLE ${username} LOGIN PASSWORD '${password}' IN ROLE ${ROLE}`);
      return { username, password };
    },
  });
  t.teardown(async () => {
    for (const { rolname } of await adminQuery<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE 'v_probe_%'")) await adminQuery(`DROP ROLE ${rolname}`);
  });
  aws.put('probe', JSON.stringify({ password: PASSWORD }));
  azure.client.secret = AZURE_CLIENT_SECRET;
  azure.secrets.set('probevault/pg', PASSWORD);
  process.env['AWS_ACCESS_KEY_ID'] = 'AKIDPROBE';
  process.env['AWS_SECRET_ACCESS_KEY'] = AWS_KEY;
  process.env['PROBE_SECRET_ID'] = SECRET_ID;
  process.env['PROBE_AZURE_SECRET'] = AZURE_CLIENT_SECRET;

  const dir = mkdtempSync(join(tmpdir(), 'sluice-backend-secrets-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const audit = join(dir, 'audit.jsonl');
  const source = (name: string, user: string) => `
  ${name}:
    kind: postgres
    database: ${ROLE}
    auth: md5
    pool: { size: 1 }
    hosts: [{ host: 127.0.0.1, port: 5432 }]
    users: [${user}]`;
  const sluice = await startSluiceProcess({
    source: 'kv', user: 'app', password: 'client-pass', instrument: false,
    configText: `
listeners:
  postgres: { listen: "127.0.0.1:0" }
admin: { listen: "127.0.0.1:0", auth: none }
audit: { path: ${JSON.stringify(audit)} }
secrets:
  refresh: 1s
  vault: { address: "${vault.url}", auth: { method: approle, role_id: sluice-role, secret_id: "\${env:PROBE_SECRET_ID}" } }
  aws: { region: us-east-1, endpoint: "${aws.url}" }
  azure: { tenant_id: tenant-1, client_id: client-1, client_secret: "\${env:PROBE_AZURE_SECRET}", authority_host: "${azure.url}", vault_url: "${azure.url}/{vault}" }
sources:${source('kv', '{ name: app, password: client-pass, server_user: ' + ROLE + ', server_password: "${vault:secret/probe#password}" }')}${source('dyn', '{ name: app, password: client-pass, server_user: "${vault-db:probe-rw#username}", server_password: "${vault-db:probe-rw#password}" }')}${source('aws', '{ name: app, password: client-pass, server_user: ' + ROLE + ', server_password: "${aws-sm:probe#password}" }')}${source('azure', '{ name: app, password: client-pass, server_user: ' + ROLE + ', server_password: "${azure-kv:probevault/pg}" }')}
log: { level: trace }
shutdown_timeout: 5s
`,
  });
  t.teardown(() => sluice.stop());

  for (const db of ['kv', 'dyn', 'aws', 'azure']) {
    const c = new pg.Client({ host: sluice.host, port: sluice.port, user: 'app', password: 'client-pass', database: db });
    await c.connect();
    const { rows } = await c.query<{ ok: number }>('SELECT 1 AS ok');
    t.equal(rows[0]?.ok, 1, `a query through the ${db} source`);
    await c.end();
  }
  const config = await (await fetch(`${sluice.adminUrl()}/v1/config`)).text();
  const metrics = await (await fetch(`${sluice.adminUrl()}/metrics`)).text();
  t.equal((await fetch(`${sluice.adminUrl()}/v1/reload`, { method: 'POST' })).status, 200);
  t.equal((await sluice.stop()).code, 0);

  const text = [sluice.logs().map((e) => JSON.stringify(e)).join('\n'), sluice.noise(), readFileSync(audit, 'utf8'), config, metrics].join('\n');
  t.ok(DYNAMIC_PASSWORDS.length >= 1, 'dynamic credentials were issued');
  for (const [what, value] of [['the database password', PASSWORD], ['the AppRole secret_id', SECRET_ID], ['the Azure client secret', AZURE_CLIENT_SECRET], ['the AWS secret key', AWS_KEY], ...DYNAMIC_PASSWORDS.map((p) => ['a dynamic password', p])] as [string, string][]) {
    t.notOk(text.includes(value), `${what} appears nowhere`);
  }
  t.notOk([...vault.tokens].some((token) => text.includes(token)), 'no Vault token appears');
});
