// Redis AUTH outcomes reach the audit trail as PostgreSQL logins do, without the password.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RawRedis, startRedisSluice } from '../helpers/redis-sluice.js';
import { verifyAuditFiles } from '../../src/auth/audit/index.js';

t.test('AUTH and HELLO AUTH, right and wrong, are audited', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-audit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'audit.jsonl');
  const s = await startRedisSluice({ users: '[{ name: app, password: right-pw-3e1 }]', top: `audit: { path: ${JSON.stringify(path)} }` });
  let stopped = false;
  t.teardown(() => (stopped ? undefined : s.stop()));

  const good = new Redis({ port: s.port, username: 'app', password: 'right-pw-3e1', lazyConnect: true, maxRetriesPerRequest: 0 });
  await good.connect();
  t.equal(await good.ping(), 'PONG');
  good.disconnect();
  const raw = await RawRedis.connect(s.port);
  raw.write('AUTH app wrong-pw-9d4\r\n');
  t.match(await raw.read((text) => text.includes('\r\n')), /^-WRONGPASS/);
  raw.write('HELLO 2 AUTH app right-pw-3e1\r\n');
  t.match(await raw.read((text) => text.includes('proto')), /server/, 'HELLO with AUTH logs in');
  raw.close();

  await s.stop();
  stopped = true;
  const text = readFileSync(path, 'utf8');
  const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { actor: string; action: string; target: string; result: string });
  t.strictSame(lines.map((l) => `${l.actor} ${l.action} ${l.target} ${l.result}`), [
    'user:app client.login source:cache ok',
    'user:app client.login source:cache failed',
    'user:app client.login source:cache ok',
  ]);
  t.notOk(text.includes('right-pw-3e1') || text.includes('wrong-pw-9d4'), 'no password in the audit trail');
  t.ok(verifyAuditFiles([path]).ok);
});
