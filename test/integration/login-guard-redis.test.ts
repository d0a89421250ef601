// Brute-force protection on Redis AUTH through a real Redis behind Sluice: wrong passwords
// lock one user (the right password is refused during the cool-down), another user is
// unaffected, the lockout is audited, and the user logs in again after the cool-down.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawRedis, startRedisSluice } from '../helpers/redis-sluice.js';

const LOCKOUT_MS = 500;

t.test('AUTH lockout per user, then recovery', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-guard-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'audit.jsonl');
  const s = await startRedisSluice({
    users: '[{ name: app, password: app-pw-71c }, { name: other, password: other-pw-05d }]',
    top: `audit: { path: ${JSON.stringify(path)} }\nbrute_force: { user_lockout_after: 3, address_lockout_after: 100, address_delay_after: 100, lockout: ${LOCKOUT_MS}ms }`,
  });
  t.teardown(() => s.stop());
  const raw = await RawRedis.connect(s.port);
  t.teardown(() => raw.close());
  const auth = async (user: string, password: string): Promise<string> => {
    raw.write(`AUTH ${user} ${password}\r\n`);
    const reply = await raw.read((text) => text.includes('\r\n'));
    return reply.trim();
  };

  for (let i = 0; i < 3; i++) t.match(await auth('app', `guess-${i}`), /^-WRONGPASS/);
  t.match(await auth('app', 'app-pw-71c'), /^-ERR too many failed logins for user "app"; try again in 1 s/);
  t.equal(await auth('other', 'other-pw-05d'), '+OK', 'another user is unaffected');
  // No event marks the end of a cool-down: wait it out.
  await new Promise((resolve) => setTimeout(resolve, LOCKOUT_MS));
  t.equal(await auth('app', 'app-pw-71c'), '+OK', 'the user logs in after the cool-down');

  const records = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; actor: string; detail?: Record<string, unknown> });
  t.match(records.find((r) => r.action === 'client.lockout'), { actor: 'user:app', detail: { protocol: 'redis', scope: 'user' } });
});
