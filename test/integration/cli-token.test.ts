// Runs the built CLI (dist/, built by `npm test` before tap): `sluice token create`.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/load.js';
import { AdminTokenRegistry, hashAdminToken } from '../../src/auth/admin-tokens.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

function sluice(...args: string[]) {
  const run = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

t.test('token create prints the token, then the config line holding only its hash', async (t) => {
  const run = sluice('token', 'create', '--role', 'operator', '--name', 'oncall');
  t.equal(run.code, 0, run.stderr);
  const [token, line, ...rest] = run.stdout.split('\n');
  t.match(token, /^sluice_[A-Za-z0-9_-]{43}$/);
  t.same(rest, ['']);
  t.equal(line, `    - { name: oncall, role: operator, hash: "${hashAdminToken(token!)}" }`);
  t.notOk(line!.includes(token!), 'the config line does not hold the token');
  t.match(run.stderr, /shown only now/);

  // The printed line pastes into a configuration as it is, and the token then authenticates.
  const config = await parseConfig(`admin:\n  listen: 127.0.0.1:9930\n  tokens:\n${line}\nsources:\n  app: { kind: postgres, hosts: [{ host: 127.0.0.1 }], users: [{ name: u, password: p }] }\n`, 'pasted.yaml');
  t.same(new AdminTokenRegistry(config.admin!.tokens).lookup(token!), { name: 'oncall', role: 'operator' });
});

t.test('token create --json for scripts; every run makes a new token', async (t) => {
  const a = JSON.parse(sluice('token', 'create', '--role', 'viewer', '--json').stdout) as { name: string; role: string; token: string; hash: string };
  const b = JSON.parse(sluice('token', 'create', '--role', 'viewer', '--json').stdout) as { token: string };
  t.equal(a.role, 'viewer');
  t.match(a.name, /^viewer-[0-9a-f]{6}$/);
  t.equal(a.hash, hashAdminToken(a.token));
  t.not(a.token, b.token);
});

t.test('token create refuses a missing or unknown role and a bad name', async (t) => {
  for (const args of [['token', 'create'], ['token', 'create', '--role', 'root'], ['token', 'create', '--role', 'admin', '--name', 'a b'], ['token', 'list']]) {
    const run = sluice(...args);
    t.equal(run.code, 2, args.join(' '));
    t.equal(run.stdout, '', 'no token printed');
  }
  t.match(sluice('token', 'create').stderr, /--role viewer\|operator\|admin/);
});
