// ${aws-sm:...} through @aws-sdk/client-secrets-manager and ${azure-kv:...} through
// @azure/keyvault-secrets, each against its test double (test/doubles/): field picking,
// AWSPREVIOUS for a refused password, the Key Vault bearer challenge with a client-credentials
// token, and LiveConfig.refresh() picking up a changed value.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { LiveConfig } from '../../src/config/live-config.js';
import type { SluiceConfig } from '../../src/config/types.js';
import { AwsSecretsManagerDouble } from '../doubles/aws-secrets-manager.js';
import { AzureKeyVaultDouble } from '../doubles/azure-key-vault.js';

// The SDK's default credential chain reads these; the double does not check signatures.
process.env['AWS_ACCESS_KEY_ID'] = 'AKIDEXAMPLE';
process.env['AWS_SECRET_ACCESS_KEY'] = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

const aws = await new AwsSecretsManagerDouble().start();
const azure = await new AzureKeyVaultDouble().start();
t.teardown(() => Promise.all([aws.close(), azure.close()]));

const dir = mkdtempSync(join(tmpdir(), 'sluice-cloud-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
async function writeConfig(text: string): Promise<string> {
  const path = join(dir, `config-${++files}.yaml`);
  writeFileSync(path, text);
  return path;
}

const SECRETS = `
secrets:
  refresh: 0
  aws: { region: us-east-1, endpoint: "${aws.url}" }
  azure:
    tenant_id: tenant-1
    client_id: client-1
    client_secret: "\${env:AZURE_SECRET}"
    authority_host: "${azure.url}"
    vault_url: "${azure.url}/{vault}"
`;

function withUsers(users: string): string {
  return `${SECRETS}
sources:
  app:
    kind: postgres
    hosts: [{ host: 127.0.0.1 }]
    users: ${users}
`;
}

const env = { AZURE_SECRET: 'client-secret-1' };
const passwords = (cfg: SluiceConfig): string[] => {
  const app = cfg.sources['app'];
  return app?.kind === 'postgres' ? app.users.map((u) => u.server_password ?? u.password) : [];
};

t.test('AWS: a JSON field, the whole string, and AWSPREVIOUS for a refused password', async (t) => {
  aws.put('prod/app', JSON.stringify({ username: 'app', password: 'aws-old' }));
  aws.put('prod/app', JSON.stringify({ username: 'app', password: 'aws-new' }));
  aws.put('plain', 'just-text');
  const live = await LiveConfig.open(await writeConfig(withUsers('[{ name: a, password: "${aws-sm:prod/app#password}" }, { name: b, password: "${aws-sm:plain}" }]')), { env });
  t.teardown(() => live.close());
  t.same(passwords(live.config), ['aws-new', 'just-text']);
  t.ok(aws.stages.every((s) => s === 'AWSCURRENT'));
  t.equal(await live.previousValue('aws-new'), 'aws-old', 'the database may not have the new password yet');
  t.equal(await live.previousValue('unrelated'), undefined);
  t.equal(await live.previousValue('just-text'), undefined, 'no previous version');
});

t.test('AWS errors', async (t) => {
  const err = await parseConfig(withUsers('[{ name: a, password: "${aws-sm:missing#password}" }]'), 'aws.yaml', { env }).catch((e: unknown) => e);
  t.ok(err instanceof ConfigError);
  t.match((err as ConfigError).issues[0], /AWS secret missing \(AWSCURRENT\): not found/);
  const notJson = await parseConfig(withUsers('[{ name: a, password: "${aws-sm:plain#password}" }]'), 'aws.yaml', { env }).catch((e: unknown) => e);
  t.match((notJson as ConfigError).issues[0], /is not a JSON object/);
  t.notMatch((notJson as ConfigError).issues[0], /just-text/);
});

t.test('Azure: challenge, client-credentials token, Get Secret', async (t) => {
  azure.secrets.set('prodvault/app-db', 'azure-pass');
  const cfg = await parseConfig(withUsers('[{ name: a, password: "${azure-kv:prodvault/app-db}" }]'), 'azure.yaml', { env });
  t.same(passwords(cfg), ['azure-pass']);
  t.ok(azure.calls.includes('POST /tenant-1/oauth2/v2.0/token'));
  const missing = await parseConfig(withUsers('[{ name: a, password: "${azure-kv:prodvault/nope}" }]'), 'azure.yaml', { env }).catch((e: unknown) => e);
  t.match((missing as ConfigError).issues[0], /Azure Key Vault secret prodvault\/nope: not found/);
  const badClient = await parseConfig(withUsers('[{ name: a, password: "${azure-kv:prodvault/app-db}" }]'), 'azure.yaml', { env: { AZURE_SECRET: 'wrong' } }).catch((e: unknown) => e);
  t.match((badClient as ConfigError).issues[0], /permission denied|invalid_client/);
  t.notMatch(JSON.stringify((badClient as ConfigError).issues), /azure-pass|wrong/);
});

t.test('refresh() reads due references again and sees a rotated value', async (t) => {
  azure.secrets.set('prodvault/rot', 'first');
  aws.put('rot', 'aws-1');
  const live = await LiveConfig.open(await writeConfig(withUsers('[{ name: a, password: "${azure-kv:prodvault/rot}" }, { name: b, password: "${aws-sm:rot}" }]')), { env });
  t.teardown(() => live.close());
  t.same(passwords(live.config), ['first', 'aws-1']);
  t.ok(live.nextRefreshAt() <= Date.now(), 'refresh 0: due at once');
  azure.secrets.set('prodvault/rot', 'second');
  aws.put('rot', 'aws-2');
  t.same(passwords(await live.refresh()), ['second', 'aws-2']);
});
