import t from 'tap';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { hashAdminToken } from '../../src/auth/admin-tokens.js';

const SOURCE = `
sources:
  app: { kind: postgres, hosts: [{ host: 127.0.0.1 }], users: [{ name: u, password: p }] }
`;

async function issuesOf(yaml: string): Promise<readonly string[]> {
  const err = await parseConfig(yaml, 'admin.yaml').then(() => null, (e: unknown) => e);
  if (!(err instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(err)}`);
  return err.issues;
}

t.test('admin.auth defaults to token, with no tokens until some are listed', async (t) => {
  const config = await parseConfig(`${SOURCE}admin: { listen: "0.0.0.0:9930" }\n`, 'admin.yaml');
  t.equal(config.admin?.auth, 'token');
  t.same(config.admin?.tokens, []);
});

t.test('auth none is allowed on loopback addresses only', async (t) => {
  for (const listen of ['127.0.0.1:9930', '[::1]:9930', 'localhost:9930', '127.0.0.2:0']) {
    const config = await parseConfig(`${SOURCE}admin: { listen: "${listen}", auth: none }\n`, 'admin.yaml');
    t.equal(config.admin?.auth, 'none', listen);
  }
  for (const listen of ['0.0.0.0:9930', '10.1.2.3:9930', '[::]:9930']) {
    t.match(await issuesOf(`${SOURCE}admin: { listen: "${listen}", auth: none }\n`), [/^admin\.auth: "none" is only allowed on a loopback address .*sluice token create/], listen);
  }
});

t.test('tokens carry a name, a role and the sha256 hash of the token', async (t) => {
  const hash = hashAdminToken('sluice_example');
  const config = await parseConfig(`${SOURCE}admin:\n  listen: 0.0.0.0:9930\n  tokens:\n    - { name: ci, role: operator, hash: "${hash}" }\n`, 'admin.yaml');
  t.same(config.admin?.tokens, [{ name: 'ci', role: 'operator', hash }]);

  t.match(await issuesOf(`${SOURCE}admin: { listen: "127.0.0.1:1", tokens: [{ name: ci, role: root, hash: "${hash}" }] }\n`), [/admin\.tokens\[0\]\.role/]);
  t.match(await issuesOf(`${SOURCE}admin: { listen: "127.0.0.1:1", tokens: [{ name: ci, role: viewer, hash: "sluice_plaintext" }] }\n`), [/admin\.tokens\[0\]\.hash: must be sha256: followed by 64 hex digits/]);
  t.match(await issuesOf(`${SOURCE}admin: { listen: "127.0.0.1:1", tokens: [{ name: ci, role: viewer, hash: "${hash}" }, { name: ci, role: admin, hash: "${hashAdminToken('other')}" }] }\n`),
    [/admin\.tokens\[1\]\.name: "ci" is used by an earlier token/]);
  t.match(await issuesOf(`${SOURCE}admin: { listen: "127.0.0.1:1", tokens: [{ name: a, role: viewer, hash: "${hash}" }, { name: b, role: admin, hash: "${hash}" }] }\n`),
    [/admin\.tokens\[1\]\.hash: the same token is listed twice/]);
});
