// ${vault:...} and ${vault-db:...} against the Vault test double (test/doubles/vault.ts): KV v2
// with token, AppRole and Kubernetes login; database credentials with lease renewal at 80%,
// new credentials once Vault stops extending the lease, static roles; errors that name the
// reference and never the value.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { VaultClient } from '../../src/auth/secrets/backends/vault-client.js';
import { VaultDatabase } from '../../src/auth/secrets/backends/vault-database.js';
import { VaultDouble } from '../doubles/vault.js';
import { LiveConfig } from '../../src/config/live-config.js';

const vault = await new VaultDouble().start();
t.teardown(() => vault.close());
vault.tokens.add('root-token');
vault.putKv('secret/sluice/app', { password: 'kv-pass-1', port: 6543 });

const dir = mkdtempSync(join(tmpdir(), 'sluice-vault-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function config(auth: string, password: string, extra = ''): string {
  return `
secrets:
  vault:
    address: ${vault.url}
    auth: ${auth}
${extra}
sources:
  app:
    kind: postgres
    hosts: [{ host: 127.0.0.1 }]
    users: [{ name: app, password: "${password}" }]
`;
}

async function issues(text: string): Promise<string[]> {
  const err = await parseConfig(text, 'vault.yaml').then(() => undefined, (e: unknown) => e);
  if (!(err instanceof ConfigError)) throw new Error('expected a ConfigError');
  return [...err.issues];
}

t.test('KV v2 with a token', async (t) => {
  const cfg = await parseConfig(config('{ method: token, token: root-token }', '${vault:secret/sluice/app#password}'), 'vault.yaml');
  const app = cfg.sources['app'];
  t.equal(app?.kind === 'postgres' && app.users[0]?.password, 'kv-pass-1');
  t.ok(vault.calls.includes('GET /v1/secret/data/sluice/app'));
});

t.test('AppRole login, then KV', async (t) => {
  vault.approle = { roleId: 'role-1', secretId: 'secret-1', leaseSeconds: 3600 };
  const cfg = await parseConfig(config('{ method: approle, role_id: role-1, secret_id: "${env:SECRET_ID}" }', '${vault:secret/sluice/app#password}'), 'vault.yaml', { env: { SECRET_ID: 'secret-1' } });
  t.equal(cfg.sources['app']?.kind === 'postgres' && cfg.sources['app'].users[0]?.password, 'kv-pass-1');
  t.ok(vault.calls.includes('POST /v1/auth/approle/login'));
  const wrong = await issues(config('{ method: approle, role_id: role-1, secret_id: nope }', '${vault:secret/sluice/app#password}'));
  t.match(wrong.join('\n'), /Vault approle login .*HTTP 400: invalid credentials/);
});

t.test('Kubernetes login reads the service account token file', async (t) => {
  const jwtFile = join(dir, 'token');
  writeFileSync(jwtFile, 'jwt-abc\n');
  vault.kubernetes = { role: 'sluice', jwt: 'jwt-abc', leaseSeconds: 600 };
  const cfg = await parseConfig(config(`{ method: kubernetes, role: sluice, jwt_file: ${jwtFile} }`, '${vault:secret/sluice/app#password}'), 'vault.yaml');
  t.equal(cfg.sources['app']?.kind === 'postgres' && cfg.sources['app'].users[0]?.password, 'kv-pass-1');
  t.ok(vault.calls.includes('POST /v1/auth/kubernetes/login'));
});

t.test('errors name the reference, never a value', async (t) => {
  const token = '{ method: token, token: root-token }';
  const missing = await issues(config(token, '${vault:secret/sluice/nothing#password}'));
  t.match(missing[0], /Vault KV secret\/sluice\/nothing: not found \(HTTP 404\).*referenced as \$\{vault:secret\/sluice\/nothing#password\}/);
  const field = await issues(config(token, '${vault:secret/sluice/app#nope}'));
  t.match(field[0], /has no field "nope" \(fields: password, port\)/);
  t.notMatch(field[0], /kv-pass-1/);
  const denied = await issues(config('{ method: token, token: wrong }', '${vault:secret/sluice/app#password}'));
  t.match(denied[0], /permission denied \(HTTP 403\)/);
  const unconfigured = await parseConfig(`
sources:
  app: { kind: postgres, hosts: [{ host: 127.0.0.1 }], users: [{ name: app, password: "\${aws-sm:db#password}" }] }
`, 'x.yaml').then(() => [], (e: unknown) => (e as ConfigError).issues);
  t.match(unconfigured[0], /needs a secrets\.aws section/);
  const backendFromBackend = await issues(config('{ method: token, token: "${vault:secret/sluice/app#password}" }', 'x'));
  t.match(backendFromBackend[0], /secrets\.vault\.auth\.token: unknown reference scheme/);
});

t.test('dynamic database credentials: one lease per role, renewed at 80%, replaced at max_ttl', async (t) => {
  let clock = 1_000_000;
  vault.now = () => clock;
  t.teardown(() => { vault.now = Date.now; });
  let issued = 0;
  vault.dynamicRoles.set('app-rw', { leaseSeconds: 100, maxSeconds: 250, issue: () => ({ username: `v-app-${++issued}`, password: `pw-${issued}` }) });
  const db = new VaultDatabase(new VaultClient({ address: vault.url, auth: { method: 'token', token: 'root-token' } }, 5000), 'database', () => clock);
  const user = await db.resolve('app-rw#username');
  const password = await db.resolve('app-rw#password');
  t.same([user.value, password.value, issued], ['v-app-1', 'pw-1', 1], 'both fields from one lease');
  t.equal(user.refreshAt, clock + 80_000, 'due at 80% of the lease');

  clock += 80_000;
  const renewed = await db.resolve('app-rw#password');
  t.same([renewed.value, issued], ['pw-1', 1], 'renewal keeps the credentials');
  t.ok(vault.calls.includes('PUT /v1/sys/leases/renew'));

  clock += 80_000;
  // 160 s after issue, max_ttl 250 leaves 90 s: less than asked, so the lease is capped.
  const capped = await db.resolve('app-rw#password');
  t.same([capped.value, issued, capped.refreshAt], ['pw-1', 1, clock + 72_000]);

  clock += 72_000;
  const replaced = await db.resolve('app-rw#password');
  t.same([replaced.value, issued], ['pw-2', 2], 'new credentials before the capped lease ends');
  t.same((await db.resolve('app-rw#username')).value, 'v-app-2');
});

t.test('static roles are read again just after the announced rotation', async (t) => {
  vault.staticRoles.set('app-static', { username: 'app_static', password: 'static-1', ttlSeconds: 30 });
  const clock = 5_000_000;
  const db = new VaultDatabase(new VaultClient({ address: vault.url, auth: { method: 'token', token: 'root-token' } }, 5000), 'database', () => clock);
  const fetched = await db.resolve('static/app-static#password');
  t.same([fetched.value, fetched.refreshAt], ['static-1', clock + 31_000]);
  t.ok(vault.calls.includes('GET /v1/database/static-creds/app-static'));
  const bad = await db.resolve('app-static#host').then(() => '', (e: unknown) => (e as { code: string }).code);
  t.equal(bad, 'SLUICE_SECRET_REFERENCE_INVALID');
});

t.test('a reload with the same secrets section keeps the lease; a changed section starts over', async (t) => {
  let issued = 0;
  vault.dynamicRoles.set('reload-rw', { leaseSeconds: 3600, maxSeconds: 7200, issue: () => ({ username: `v-reload-${++issued}`, password: `reload-pw-${issued}` }) });
  const file = join(dir, 'reload.yaml');
  const text = (pool: number, timeout: string) => `
secrets:
  timeout: ${timeout}
  vault: { address: "${vault.url}", auth: { method: token, token: root-token } }
sources:
  app:
    kind: postgres
    pool: { size: ${pool} }
    hosts: [{ host: 127.0.0.1 }]
    users: [{ name: app, password: x, server_user: "\${vault-db:reload-rw#username}", server_password: "\${vault-db:reload-rw#password}" }]
`;
  writeFileSync(file, text(5, '10s'));
  const live = await LiveConfig.open(file);
  t.teardown(() => live.close());
  const serverUser = (cfg: typeof live.config) => (cfg.sources['app']?.kind === 'postgres' ? cfg.sources['app'].users[0]?.server_user : undefined);
  t.equal(serverUser(live.config), 'v-reload-1');
  writeFileSync(file, text(7, '10s'));
  t.equal(serverUser(await live.reread()), 'v-reload-1', 'same credentials after an unrelated edit');
  t.equal(issued, 1);
  writeFileSync(file, text(7, '20s'));
  t.equal(serverUser(await live.reread()), 'v-reload-2', 'a new secrets section fetches again');
});
