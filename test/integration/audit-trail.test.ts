// The audit trail of a running gateway: client and console logins, console and admin API
// commands, refused admin requests; then `sluice audit verify` on the file it wrote.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ADMIN, STATS, consoleClient } from '../helpers/console.js';
import { startSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import { generateAdminToken } from '../../src/auth/admin-tokens.js';
import { verifyAuditFiles } from '../../src/auth/audit/index.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const VIEWER = generateAdminToken();
const OPERATOR = generateAdminToken();

interface Line { seq: number; actor: string; action: string; target: string; result: string; source: string | null; detail?: Record<string, unknown> }

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

t.test('logins, console and admin commands are chained into the audit log', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-audit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'audit.jsonl');
  const s = await startSluice({
    admin: true, auditPath: path, size: 2,
    adminTokens: [{ name: 'dash', role: 'viewer', token: VIEWER }, { name: 'oncall', role: 'operator', token: OPERATOR }],
    console: { admin: [ADMIN], stats: [STATS] },
  });
  let stopped = false;
  t.teardown(() => (stopped ? undefined : s.stop()));

  const good = new pg.Client({ connectionString: s.url() });
  await good.connect();
  await good.query('SELECT 1');
  await good.end();
  const wrong = new pg.Client({ connectionString: s.url({ password: 'not-the-password' }) });
  await t.rejects(wrong.connect(), /password authentication failed/);
  const nowhere = new pg.Client({ connectionString: s.url({ database: 'no_such_source' }) });
  await t.rejects(nowhere.connect(), /does not exist/);

  const admin = await consoleClient(s, ADMIN);
  await admin.query('PAUSE app');
  await admin.query('RESUME app');
  await admin.end();
  const stats = await consoleClient(s, STATS);
  await t.rejects(stats.query('PAUSE'), /admin access needed/);
  await stats.end();

  const api = (method: string, path: string, token?: string) =>
    fetch(s.adminUrl + path, { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  t.equal((await api('GET', '/v1/pools')).status, 401);
  t.equal((await api('POST', '/v1/sources/app/pause', VIEWER)).status, 403);
  t.equal((await api('POST', '/v1/sources/app/pause', OPERATOR)).status, 200);
  t.equal((await api('POST', '/v1/sources/app/resume', OPERATOR)).status, 200);
  t.equal((await api('POST', '/v1/clients/424242/kill', OPERATOR)).status, 404);
  t.equal((await api('GET', '/v1/pools', VIEWER)).status, 200, 'reads are not audited');

  await s.stop();
  stopped = true;
  const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
  const seen = lines.map((l) => `${l.actor} ${l.action} ${l.target} ${l.result}`);
  t.strictSame(seen, [
    `user:${TEST_ROLE} client.login source:app ok`,
    `user:${TEST_ROLE} client.login source:app failed`,
    `user:${TEST_ROLE} client.login database:no_such_source failed`,
    `user:${ADMIN.name} client.login console ok`,
    `user:${ADMIN.name} console.pause source:app ok`,
    `user:${ADMIN.name} console.resume source:app ok`,
    `user:${STATS.name} client.login console ok`,
    `user:${STATS.name} console.pause all denied`,
    'anonymous admin.auth GET /v1/pools denied',
    'token:dash admin.pause POST /v1/sources/app/pause denied',
    'token:oncall admin.pause POST /v1/sources/app/pause ok',
    'token:oncall admin.resume POST /v1/sources/app/resume ok',
    'token:oncall admin.kill POST /v1/clients/424242/kill failed',
  ]);
  t.strictSame(lines.map((l) => l.seq), lines.map((_, i) => i + 1), 'seq counts from 1');
  t.ok(lines.every((l) => typeof l.source === 'string' && /^127\.0\.0\.1:\d+$/.test(l.source)), 'each record names the remote address');
  t.match(lines[1]!.detail, { code: '28P01' });
  t.match(lines[9]!.detail, { status: 403, need: 'operator' });
  const text = readFileSync(path, 'utf8');
  // (TEST_PASSWORD is the role's own name, which the log rightly shows; the wrong one stands for it.)
  for (const secret of ['not-the-password', ADMIN.password, STATS.password, VIEWER, OPERATOR]) {
    t.notOk(text.includes(secret), 'no password or token in the audit log');
  }

  const report = verifyAuditFiles([path]);
  t.ok(report.ok, 'the chain verifies');
  t.equal(report.head?.seq, lines.length);
  const ok = spawnSync(process.execPath, [MAIN, 'audit', 'verify', path], { encoding: 'utf8' });
  t.equal(ok.status, 0, ok.stderr);

  // An operator covering tracks: the failed login becomes a success.
  writeFileSync(path, text.replace('"result":"failed"', '"result":"ok"'));
  const tampered = spawnSync(process.execPath, [MAIN, 'audit', 'verify', path], { encoding: 'utf8' });
  t.equal(tampered.status, 1, 'an edited line fails verification');
  t.match(tampered.stdout + tampered.stderr, /:2: edited/);
});

t.test('a restart continues the chain in the same file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-audit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'audit.jsonl');
  for (let run = 0; run < 2; run++) {
    const s = await startSluice({ auditPath: path });
    const c = new pg.Client({ connectionString: s.url() });
    await c.connect();
    await c.end();
    await s.stop();
  }
  const report = verifyAuditFiles([path]);
  t.ok(report.ok);
  t.equal(report.records, 2);
  t.ok(report.fromGenesis);
});
