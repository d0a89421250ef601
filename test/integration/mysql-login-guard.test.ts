/**
 * Brute-force protection on MySQL client logins through a real gateway and the machine's
 * MariaDB, with mysql2: wrong passwords for one user lock that user (even the right password
 * is refused with 1045 during the cool-down) while another user of the same address logs in;
 * an address guessing unknown users is blocked with 1129 (ER_HOST_IS_BLOCKED); the logins and
 * the lockouts are in the audit trail and on /metrics; after the cool-down the user logs in.
 * COM_CHANGE_USER with a wrong password counts as a failed login too.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pino from 'pino';
import t from 'tap';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import { MYSQL_DB, MYSQL_HOST, MYSQL_PASSWORD, MYSQL_PORT, MYSQL_USER, ensureMysqlFixtures } from '../helpers/mysql-sluice.js';

const LOCKOUT_MS = 600;
const dir = mkdtempSync(join(tmpdir(), 'sluice-mysql-guard-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

await ensureMysqlFixtures();

interface AuditRecord { action: string; actor: string; target: string; result: string; detail?: Record<string, unknown> }

async function startGateway(auditPath: string, bruteForce: string): Promise<{ gateway: Gateway; port: number; metric: (name: string) => Promise<number> }> {
  const config = await parseConfig(`
admin: { listen: "127.0.0.1:0", auth: none }
audit: { path: ${JSON.stringify(auditPath)} }
listeners:
  mysql: { listen: "127.0.0.1:0" }
brute_force: { ${bruteForce}, delay: 10ms, max_delay: 50ms, lockout: ${LOCKOUT_MS}ms }
sources:
  app:
    kind: mysql
    database: ${MYSQL_DB}
    pool: { size: 2 }
    hosts: [{ host: ${MYSQL_HOST}, port: ${MYSQL_PORT} }]
    users:
      - { name: alice, password: alice-pass, server_user: ${MYSQL_USER}, server_password: ${MYSQL_PASSWORD} }
      - { name: bob, password: bob-pass, server_user: ${MYSQL_USER}, server_password: ${MYSQL_PASSWORD} }
`, 'guard.yaml');
  const gateway = new Gateway(config, pino({ level: 'silent' }));
  await gateway.start();
  const metricsUrl = `http://127.0.0.1:${gateway.adminAddress!.port}/metrics`;
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(metricsUrl)).text();
    const line = text.split('\n').find((l) => l.startsWith(name));
    return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return { gateway, port: gateway.mysql!.address!.port, metric };
}

/** Logs in and runs SELECT 1; resolves to the error's number and message, or 'ok'. */
async function login(port: number, user: string, password: string): Promise<string> {
  let conn: mysql.Connection | null = null;
  try {
    conn = await mysql.createConnection({ host: '127.0.0.1', port, user, password, database: 'app' });
    await conn.query('SELECT 1');
    return 'ok';
  } catch (err) {
    const e = err as { errno?: number; message: string };
    return `${e.errno ?? '?'} ${e.message}`;
  } finally {
    await conn?.end().catch(() => undefined);
  }
}

/** The audit log is written in the background: wait until it holds what the test looks for. */
async function auditRecords(path: string, until: (r: AuditRecord[]) => boolean): Promise<AuditRecord[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    let records: AuditRecord[] = [];
    try {
      records = readFileSync(path, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AuditRecord);
    } catch { /* not created yet */ }
    if (until(records) || Date.now() > deadline) return records;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

t.test('wrong passwords lock one user; others are unaffected; the lock ends after the cool-down', async (t) => {
  const auditPath = join(dir, 'user.log');
  const { gateway, port, metric } = await startGateway(auditPath, 'user_delay_after: 1, user_lockout_after: 3, address_delay_after: 50, address_lockout_after: 100');
  t.teardown(() => gateway.shutdown(1000));
  for (let i = 0; i < 3; i++) t.match(await login(port, 'alice', 'guess'), /^1045 Access denied for user 'alice'@'127\.0\.0\.1' \(using password: YES\)/);
  t.match(await login(port, 'alice', 'alice-pass'), /^1045 Access denied for user 'alice'@'127\.0\.0\.1': too many failed logins for user "alice"; try again in 1 s/, 'even the right password is refused while locked');
  t.equal(await login(port, 'bob', 'bob-pass'), 'ok', 'another user from the same address logs in');

  t.equal(await metric('sluice_login_failures_total'), 3);
  t.equal(await metric('sluice_login_lockouts_total{scope="user"}'), 1);
  t.equal(await metric('sluice_login_locked{scope="user"}'), 1);
  t.equal(await metric('sluice_login_locked_refusals_total{scope="user"}'), 1);
  t.ok(await metric('sluice_login_delayed_total') >= 1, 'failures past user_delay_after were answered late');
  t.equal(await metric('sluice_errors_total{source="app",user="",protocol="mysql",code="SLUICE_LOGIN_FAILED"}'), 4, 'the source counts its refused logins');

  const records = await auditRecords(auditPath, (r) => r.some((x) => x.actor === 'user:bob'));
  t.match(records.find((r) => r.action === 'client.lockout'), { actor: 'user:alice', target: 'source:app', result: 'denied', detail: { scope: 'user', protocol: 'mysql', lockout_ms: LOCKOUT_MS } });
  const alice = records.filter((r) => r.action === 'client.login' && r.actor === 'user:alice');
  t.equal(alice.filter((r) => r.result === 'failed' && r.detail?.['code'] === '1045').length, 4, 'three wrong passwords and the locked-out login');
  t.ok(alice.some((r) => String(r.detail?.['reason']).includes('too many failed logins')), 'the refusal says why');
  t.match(records.find((r) => r.actor === 'user:bob'), { action: 'client.login', target: 'source:app', result: 'ok', detail: { protocol: 'mysql' } });

  // No event marks the end of a cool-down: wait it out.
  await new Promise((resolve) => setTimeout(resolve, LOCKOUT_MS));
  t.equal(await login(port, 'alice', 'alice-pass'), 'ok', 'alice logs in again after the cool-down');
  t.equal(await metric('sluice_login_locked{scope="user"}'), 0);
});

t.test('an address guessing users is blocked with ER_HOST_IS_BLOCKED', async (t) => {
  const auditPath = join(dir, 'address.log');
  const { gateway, port, metric } = await startGateway(auditPath, 'user_delay_after: 50, user_lockout_after: 100, address_delay_after: 50, address_lockout_after: 3');
  t.teardown(() => gateway.shutdown(1000));
  for (const user of ['root', 'admin', 'test']) t.match(await login(port, user, 'x'), /^1045 Access denied for user/, `unknown user ${user}`);
  t.match(await login(port, 'bob', 'bob-pass'), /^1129 Host '127\.0\.0\.1' is blocked: too many failed logins from this address; try again in 1 s/);
  t.equal(await metric('sluice_login_lockouts_total{scope="address"}'), 1);
  const records = await auditRecords(auditPath, (r) => r.some((x) => x.detail?.['code'] === '1129'));
  t.match(records.find((r) => r.action === 'client.login' && r.actor === 'user:root'), { target: 'database:app', result: 'failed' }, 'an unknown user is audited with the database it named');
  t.ok(records.some((r) => r.action === 'client.lockout' && r.detail?.['scope'] === 'address'));
});

t.test('COM_CHANGE_USER with a wrong password counts and is audited', async (t) => {
  const auditPath = join(dir, 'change-user.log');
  const { gateway, port, metric } = await startGateway(auditPath, 'user_delay_after: 50, user_lockout_after: 100, address_delay_after: 50, address_lockout_after: 100');
  t.teardown(() => gateway.shutdown(1000));
  const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'bob', password: 'bob-pass', database: 'app' });
  conn.on('error', () => undefined);
  await t.rejects(conn.changeUser({ user: 'alice', password: 'guess' }), { errno: 1045, message: /Access denied for user 'alice'/ });
  t.equal(await metric('sluice_login_failures_total'), 1);
  const records = await auditRecords(auditPath, (r) => r.some((x) => x.actor === 'user:alice'));
  t.match(records.find((r) => r.actor === 'user:alice'), { action: 'client.login', target: 'source:app', result: 'failed', detail: { protocol: 'mysql', code: '1045' } });
  t.match(records.find((r) => r.actor === 'user:bob'), { result: 'ok' }, 'the first login is audited as well');
  conn.destroy();
});
