import t from 'tap';
import { parseConfig } from '../../src/config/load.js';
import { showValue } from '../../src/config/issue-text.js';
import { redactConfig } from '../../src/log.js';

const base = `
sources:
  app: { kind: postgres, hosts: [{ host: db }], users: [{ name: app, password: pw }] }
  cache: { kind: redis, listen: "127.0.0.1:0", hosts: [{ host: r }] }
`;

t.test('defaults: balanced, on demand only, every source enabled', async (t) => {
  const c = await parseConfig(`${base}discovery: {}\n`, 'test');
  t.match(c.discovery, {
    catalog: 'sluice-catalog.db', strategy: 'balanced', schedule: 0, redact_sensitive: true, rules: [], glossary: [],
    sources: { app: { enabled: true, strategy: 'balanced', schedule: 0 }, cache: { enabled: true } },
  });
  t.equal((await parseConfig(base, 'test')).discovery, undefined, 'absent section: discovery off');
});

t.test('per-source settings, schedules as durations, rules and glossary', async (t) => {
  const c = await parseConfig(`${base}discovery:
  strategy: conservative
  schedule: 1h
  sources: { cache: { enabled: false }, app: { strategy: aggressive, schedule: 15m } }
  rules: [{ type: employee_id, names: ["^emp_?id$"], pattern: "E\\\\d{6}", sensitive: true }]
  glossary: [{ term: revenue, synonyms: [turnover] }]
`, 'test');
  t.match(c.discovery, {
    strategy: 'conservative', schedule: 3_600_000,
    sources: { app: { enabled: true, strategy: 'aggressive', schedule: 900_000 }, cache: { enabled: false, strategy: 'conservative', schedule: 3_600_000 } },
    rules: [{ type: 'employee_id', names: ['^emp_?id$'], pattern: 'E\\d{6}', sensitive: true }],
    glossary: [{ term: 'revenue', synonyms: ['turnover'], patterns: [] }],
  });
});

t.test('mistakes are reported with their key path', async (t) => {
  await t.rejects(parseConfig(`${base}discovery: { sources: { nope: { enabled: true } } }\n`, 'test'), { message: /discovery\.sources\.nope: no source named "nope"/ });
  await t.rejects(parseConfig(`${base}discovery: { rules: [{ type: bad, pattern: "(" }] }\n`, 'test'), { message: /discovery\.rules\[0\]: classification rule "bad" has an invalid regular expression/ });
  await t.rejects(parseConfig(`${base}discovery: { strategy: reckless }\n`, 'test'), { code: 'SLUICE_CONFIG_INVALID' });
  await t.rejects(parseConfig(`${base}discovery: { catalog: ":memory:" }\n`, 'test'), { message: /discovery\.catalog: an in-memory SQLite catalog cannot be shared with discovery's worker threads/ });
  await t.rejects(parseConfig(`${base}discovery: { rules: [{ type: x, check: crc32 }] }\n`, 'test'), { code: 'SLUICE_CONFIG_INVALID' });
});

t.test('a postgres:// catalog is kept as written and its password never shown', async (t) => {
  const config = await parseConfig(`${base}discovery:\n  catalog: postgres://sluice:s3cret@meta.internal:5432/catalog\n`, 'test');
  t.equal(config.discovery?.catalog, 'postgres://sluice:s3cret@meta.internal:5432/catalog');
  t.equal(redactConfig(config).discovery?.catalog, 'postgres://sluice:***@meta.internal:5432/catalog');
  t.equal(showValue('postgresql://sluice:s3cret@meta/catalog', ['discovery', 'catalog']), '"postgresql://sluice:***@meta/catalog"', 'reload diffs and config issues mask it too');
  t.equal(showValue('/var/lib/sluice/catalog.db', ['discovery', 'catalog']), '"/var/lib/sluice/catalog.db"');
});
