import t from 'tap';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const SOURCE = `
sources:
  app: { kind: postgres, hosts: [{ host: 127.0.0.1 }], users: [{ name: u, password: p }] }
`;

t.test('admin.auth defaults to none on a loopback address', async (t) => {
  for (const listen of ['127.0.0.1:9930', '[::1]:9930', 'localhost:9930', '127.0.0.2:0']) {
    const config = await parseConfig(`${SOURCE}admin: { listen: "${listen}" }\n`, 'admin.yaml');
    t.equal(config.admin?.auth, 'none', listen);
  }
});

t.test('a non-loopback admin address needs auth written out: tokens are not implemented yet', async (t) => {
  const err = await parseConfig(`${SOURCE}admin: { listen: "0.0.0.0:9930" }\n`, 'admin.yaml').then(() => null, (e: unknown) => e);
  t.ok(err instanceof ConfigError);
  t.match((err as ConfigError).issues, [/^admin\.auth: required when admin\.listen is not a loopback address \(got 0\.0\.0\.0:9930\); admin bearer tokens are not implemented yet/]);
  const explicit = await parseConfig(`${SOURCE}admin: { listen: "0.0.0.0:9930", auth: none }\n`, 'admin.yaml');
  t.equal(explicit.admin?.auth, 'none', 'an explicit auth: none is the operator\'s decision');
  await t.rejects(parseConfig(`${SOURCE}admin: { listen: "127.0.0.1:9930", auth: token }\n`, 'admin.yaml'), ConfigError, 'no other method exists yet');
});
