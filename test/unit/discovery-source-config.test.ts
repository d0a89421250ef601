import t from 'tap';
import { parseConfig } from '../../src/config/load.js';
import { redactConfig } from '../../src/log.js';
import { discoveryTarget } from '../../src/discovery/target.js';

t.test('kind: s3 and kind: mongodb resolve as discovery-only sources', async (t) => {
  process.env['SLUICE_TEST_S3_SECRET'] = 'shh';
  t.teardown(() => delete process.env['SLUICE_TEST_S3_SECRET']);
  const config = await parseConfig(`
sources:
  lake:
    kind: s3
    bucket: data
    access_key_id: AKIA1
    secret_access_key: \${env:SLUICE_TEST_S3_SECRET}
  docs:
    kind: mongodb
    hosts: [{ host: db1 }, { host: db2, port: 27018, role: replica }]
    database: app
    users: [{ name: reader, password: pw, auth_source: admin }]
`, 'test');
  t.strictSame(config.sources['lake'], { kind: 's3', name: 'lake', hosts: [], users: [], bucket: 'data', prefix: '', region: 'us-east-1', force_path_style: false, access_key_id: 'AKIA1', secret_access_key: 'shh' });
  t.match(discoveryTarget(config.sources['lake']!), { host: 's3.us-east-1.amazonaws.com', port: 443, user: 'AKIA1', password: 'shh' });
  t.match(discoveryTarget(config.sources['docs']!), { kind: 'mongodb', host: 'db2', port: 27018, user: 'reader', password: 'pw', authSource: 'admin', database: 'app' }, 'a replica is preferred');
  t.strictSame(config.listeners, {}, 'no listener for either');
  const redacted = redactConfig(config);
  t.notOk(JSON.stringify(redacted).includes('shh'));
  t.notOk(JSON.stringify(redacted).includes('"pw"'));
});

t.test('unknown keys and a missing bucket are config errors', async (t) => {
  await t.rejects(parseConfig('sources:\n  lake: { kind: s3, bucket: b, bukcet: c }\n', 'test'), /bukcet/);
  await t.rejects(parseConfig('sources:\n  lake: { kind: s3 }\n', 'test'), /bucket/);
  await t.rejects(parseConfig('sources:\n  docs: { kind: mongodb, hosts: [] }\n', 'test'), /hosts/);
});

t.test('kind: snowflake resolves with a password or a key pair, never both, and is redacted', async (t) => {
  const config = await parseConfig(`
sources:
  dw:
    kind: snowflake
    account: myorg-acct
    user: DISCOVERY
    password: hunter2
    warehouse: WH
    databases: [SHOP, RAW]
`, 'test');
  t.strictSame(config.sources['dw'], {
    kind: 'snowflake', name: 'dw', hosts: [], users: [], account: 'myorg-acct', user: 'DISCOVERY', password: 'hunter2', warehouse: 'WH',
    databases: ['SHOP', 'RAW'], access_url: 'https://myorg-acct.snowflakecomputing.com',
  });
  t.match(discoveryTarget(config.sources['dw']!), { kind: 'snowflake', host: 'myorg-acct.snowflakecomputing.com', port: 443, user: 'DISCOVERY', password: 'hunter2', snowflake: { databases: ['SHOP', 'RAW'] } });
  t.notOk(JSON.stringify(redactConfig(config)).includes('hunter2'));
  const keyed = await parseConfig('sources:\n  dw: { kind: snowflake, account: a, user: u, private_key: "-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----", private_key_passphrase: pp }\n', 'test');
  t.notOk(JSON.stringify(redactConfig(keyed)).includes('MIIE'), 'the key is redacted');
  t.notOk(JSON.stringify(redactConfig(keyed)).includes('"pp"'), 'and its passphrase');
  await t.rejects(parseConfig('sources:\n  dw: { kind: snowflake, account: a, user: u }\n', 'test'), /set exactly one of password and private_key/);
  await t.rejects(parseConfig('sources:\n  dw: { kind: snowflake, account: a, user: u, password: p, private_key: "-----BEGIN x" }\n', 'test'), /set exactly one of password and private_key/);
  await t.rejects(parseConfig('sources:\n  dw: { kind: snowflake, account: a, user: u, password: p, private_key: not-pem }\n', 'test'), /private_key/);
  await t.rejects(parseConfig('sources:\n  dw: { kind: snowflake, account: a, user: u, password: p, databases: [\'a"b\'] }\n', 'test'), /databases/);
});
