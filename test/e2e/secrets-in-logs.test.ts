// Secrets never reach the logs or the audit trail. The real `sluice` binary runs at trace
// level (everything it can log) with the admin port and the audit trail on; a client logs in
// with a known password, another with a wrong one, the admin API is called with good and bad
// tokens, the config is read and reloaded; then every log line and audit line is searched.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ensureRoleAndDb } from '../helpers/postgres.js';
import { runProgram, startSluiceProcess } from '../helpers/sluice-process.js';
import { generateAdminToken, hashAdminToken } from '../../src/auth/admin-tokens.js';

const ROLE = 'sluice_secret_probe';
const PASSWORD = 'Known-pw-7f3a!c0ffee';
const WRONG = 'Wrong-pw-91c2-deadbeef';
const ADMIN_TOKEN = generateAdminToken();
const VIEWER_TOKEN = generateAdminToken();
const FORGED_TOKEN = generateAdminToken();

t.before(() => ensureRoleAndDb(ROLE, PASSWORD));

t.test('no password or token in any log or audit line, at trace level', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-secrets-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const audit = join(dir, 'audit.jsonl');
  const sluice = await startSluiceProcess({
    source: ROLE, database: ROLE, user: ROLE, password: PASSWORD, logLevel: 'trace', instrument: false,
    extraYaml: `admin:
  listen: 127.0.0.1:0
  tokens:
    - { name: root, role: admin, hash: "${hashAdminToken(ADMIN_TOKEN)}" }
    - { name: dash, role: viewer, hash: "${hashAdminToken(VIEWER_TOKEN)}" }
audit: { path: ${JSON.stringify(audit)} }
`,
  });
  t.teardown(() => sluice.stop());

  const psql = await runProgram('psql', ['-X', '-At', '-c', 'SELECT current_user'], { env: sluice.env(), timeoutMs: 20_000 });
  t.equal(psql.stdout.trim(), ROLE, psql.stderr);
  const c = new pg.Client({ connectionString: sluice.url() });
  await c.connect();
  await c.query('SELECT $1::text AS echo', ['harmless']);
  await c.end();
  const wrong = new pg.Client({ host: sluice.host, port: sluice.port, user: ROLE, password: WRONG, database: ROLE });
  await t.rejects(wrong.connect(), /password authentication failed/);

  const api = (method: string, path: string, token: string) =>
    fetch(sluice.adminUrl() + path, { method, headers: { authorization: `Bearer ${token}` } });
  t.equal((await api('GET', '/v1/pools', VIEWER_TOKEN)).status, 200);
  t.equal((await api('GET', '/v1/pools', FORGED_TOKEN)).status, 401);
  t.equal((await api('POST', '/v1/reload', VIEWER_TOKEN)).status, 403);
  const config = await (await api('GET', '/v1/config', VIEWER_TOKEN)).text();
  t.equal((await api('POST', '/v1/reload', ADMIN_TOKEN)).status, 200);
  const metrics = await (await api('GET', '/metrics', VIEWER_TOKEN)).text();

  const { code } = await sluice.stop();
  t.equal(code, 0);
  const logText = sluice.logs().map((e) => JSON.stringify(e)).join('\n') + sluice.noise();
  const auditText = readFileSync(audit, 'utf8');
  // The lines most likely to carry a secret were written: failed auth, refused token, reload.
  const messages = new Set(sluice.logs().map((e) => e.msg));
  for (const msg of ['client authentication failed', 'admin: request refused', 'reload: no changes']) t.ok(messages.has(msg), `logged: ${msg}`);
  t.ok(auditText.split('\n').length >= 5, 'the audit trail has the logins and admin calls');
  const secrets: [string, string][] = [
    ['the password', PASSWORD], ['a mistyped password', WRONG],
    ['the admin token', ADMIN_TOKEN], ['the viewer token', VIEWER_TOKEN], ['a forged token', FORGED_TOKEN],
    ['a token hash', hashAdminToken(ADMIN_TOKEN).slice('sha256:'.length)],
  ];
  for (const [what, secret] of secrets) {
    t.notOk(logText.includes(secret), `${what} is not in the log`);
    t.notOk(auditText.includes(secret), `${what} is not in the audit trail`);
    t.notOk(config.includes(secret), `${what} is not in /v1/config`);
    t.notOk(metrics.includes(secret), `${what} is not in /metrics`);
  }
});

t.test('at info level, queries do not log: a line per connection event at most', async (t) => {
  const sluice = await startSluiceProcess({ source: ROLE, database: ROLE, user: ROLE, password: PASSWORD, logLevel: 'info', instrument: false });
  t.teardown(() => sluice.stop());
  const c = new pg.Client({ connectionString: sluice.url() });
  await c.connect();
  await c.query('SELECT 1');
  const before = sluice.logs().length;
  for (let i = 0; i < 300; i++) await c.query('SELECT $1::int AS n', [i]);
  await c.query('BEGIN; SELECT 1; COMMIT');
  t.equal(sluice.logs().length, before, '300 queries and a transaction add no log line at info');
  await c.end();
});
