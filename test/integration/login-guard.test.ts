// Brute-force protection on PostgreSQL client logins through a real gateway and PostgreSQL:
// wrong passwords for one user lock that user (even the right password is refused during the
// cool-down) while another user of the same address logs in; the lockout is in the audit
// trail and on /metrics; after the cool-down the user logs in again.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import { PG_HOST, PG_PORT, TEST_DATABASE, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';

const LOCKOUT_MS = 600;
const dir = mkdtempSync(join(tmpdir(), 'sluice-guard-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const auditPath = join(dir, 'audit.log');

const config = await parseConfig(`
admin: { listen: "127.0.0.1:0", auth: none }
audit: { path: ${JSON.stringify(auditPath)} }
listeners:
  postgres: { listen: "127.0.0.1:0" }
brute_force: { user_delay_after: 1, user_lockout_after: 3, address_delay_after: 50, address_lockout_after: 100, delay: 10ms, max_delay: 50ms, lockout: ${LOCKOUT_MS}ms }
sources:
  app:
    kind: postgres
    database: ${TEST_DATABASE}
    auth: md5
    pool: { size: 2 }
    hosts: [{ host: ${PG_HOST}, port: ${PG_PORT} }]
    users:
      - { name: alice, password: alice-pass, server_user: ${TEST_ROLE}, server_password: ${TEST_PASSWORD} }
      - { name: bob, password: bob-pass, server_user: ${TEST_ROLE}, server_password: ${TEST_PASSWORD} }
`, 'guard.yaml');
const gateway = new Gateway(config, pino({ level: 'silent' }));
await gateway.start();
t.teardown(() => gateway.shutdown(1000));
const port = gateway.postgresAddress!.port;
const metricsUrl = `http://127.0.0.1:${gateway.adminAddress!.port}/metrics`;

/** Logs in and runs SELECT 1; resolves to the error's SQLSTATE and message, or 'ok'. */
async function login(user: string, password: string): Promise<string> {
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'app' });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return 'ok';
  } catch (err) {
    const e = err as { code?: string; message: string };
    return `${e.code ?? '?'} ${e.message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

t.test('wrong passwords lock one user; others are unaffected; the lock ends after the cool-down', async (t) => {
  for (let i = 0; i < 3; i++) t.match(await login('alice', 'guess'), /^28P01 password authentication failed for user "alice"/);
  t.match(await login('alice', 'alice-pass'), /^28000 too many failed logins for user "alice"; try again in 1 s/, 'even the right password is refused while locked');
  t.equal(await login('bob', 'bob-pass'), 'ok', 'another user from the same address logs in');

  t.equal(await metric('sluice_login_failures_total'), 3);
  t.equal(await metric('sluice_login_lockouts_total{scope="user"}'), 1);
  t.equal(await metric('sluice_login_locked{scope="user"}'), 1);
  t.equal(await metric('sluice_login_locked_refusals_total{scope="user"}'), 1);
  t.ok(await metric('sluice_login_delayed_total') >= 1, 'failures past user_delay_after were answered late');

  const records = readFileSync(auditPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; actor: string; result: string; detail?: Record<string, unknown> });
  const lockout = records.find((r) => r.action === 'client.lockout');
  t.match(lockout, { actor: 'user:alice', result: 'denied', detail: { scope: 'user', protocol: 'postgres', lockout_ms: LOCKOUT_MS } });
  t.ok(records.some((r) => r.action === 'client.login' && r.actor === 'user:alice' && r.result === 'failed' && String(r.detail?.['reason']).includes('too many failed logins')), 'the refusal is audited');

  // No event marks the end of a cool-down: wait it out.
  await new Promise((resolve) => setTimeout(resolve, LOCKOUT_MS));
  t.equal(await login('alice', 'alice-pass'), 'ok', 'alice logs in again after the cool-down');
  t.equal(await metric('sluice_login_locked{scope="user"}'), 0);
});
