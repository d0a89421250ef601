// Bearer tokens and roles on the admin port, against a running gateway and pool.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import { generateAdminToken, hashAdminToken } from '../../src/auth/admin-tokens.js';

const VIEWER = generateAdminToken();
const OPERATOR = generateAdminToken();
const ADMIN = generateAdminToken();
const TOKENS = [
  { name: 'dash', role: 'viewer' as const, token: VIEWER },
  { name: 'oncall', role: 'operator' as const, token: OPERATOR },
  { name: 'root', role: 'admin' as const, token: ADMIN },
];

interface Reply { status: number; body: { code?: string; message?: string }; headers: Headers }

async function call(s: TestSluice, method: 'GET' | 'POST', path: string, token?: string, authorization?: string): Promise<Reply> {
  const auth = authorization ?? (token === undefined ? undefined : `Bearer ${token}`);
  const res = await fetch(s.adminUrl + path, { method, headers: auth === undefined ? {} : { authorization: auth } });
  const text = await res.text();
  let body: Reply['body'] = {};
  if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text) as Reply['body'];
  return { status: res.status, body, headers: res.headers };
}

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

t.test('probes and the OpenAPI document need no token; everything else does', async (t) => {
  const s = await startSluice({ admin: true, adminTokens: TOKENS });
  t.teardown(() => s.stop());
  for (const path of ['/healthz', '/readyz', '/v1/openapi.json']) t.equal((await call(s, 'GET', path)).status, 200, path);

  for (const path of ['/metrics', '/v1/pools', '/v1/clients', '/v1/servers', '/v1/hosts', '/v1/stats', '/v1/config', '/v1/version']) {
    const r = await call(s, 'GET', path);
    t.equal(r.status, 401, `${path} without a token`);
    t.equal(r.headers.get('www-authenticate'), 'Bearer realm="sluice"');
    t.equal(r.body.code, 'SLUICE_ADMIN_UNAUTHENTICATED');
    t.match(r.body.message, /sluice token create --role viewer/, 'the error says how to get a token');
  }
  const unknown = await call(s, 'GET', '/v1/pools', generateAdminToken());
  t.strictSame([unknown.status, unknown.body.message?.startsWith('unknown token')], [401, true]);
  const basic = await call(s, 'GET', '/v1/pools', undefined, 'Basic cm9vdDpyb290');
  t.strictSame([basic.status, basic.body.message?.startsWith('Authorization is not a Bearer token')], [401, true]);
  const hashAsToken = await call(s, 'GET', '/v1/pools', hashAdminToken(VIEWER));
  t.equal(hashAsToken.status, 401, 'the stored hash is not a credential');
  t.equal((await call(s, 'POST', '/v1/sources/app/pause')).status, 401, 'control without a token');
});

t.test('viewer reads, operator operates, admin reloads', async (t) => {
  const s = await startSluice({ admin: true, adminTokens: TOKENS, size: 2 });
  t.teardown(() => s.stop());
  const c = new pg.Client({ connectionString: s.url() });
  await c.connect();
  t.teardown(() => c.end().catch(() => {}));
  await c.query('SELECT 1');

  for (const token of [VIEWER, OPERATOR, ADMIN]) {
    t.equal((await call(s, 'GET', '/v1/pools', token)).status, 200);
    t.equal((await call(s, 'GET', '/metrics', token)).status, 200);
  }
  const lowercase = await call(s, 'GET', '/v1/pools', undefined, `bearer ${VIEWER}`);
  t.equal(lowercase.status, 200, 'the scheme is case-insensitive (RFC 7235)');

  const operatorRoutes = ['/v1/sources/app/pause', '/v1/sources/app/resume', '/v1/sources/app/reconnect', '/v1/clients/999999/kill', '/v1/hosts/app/127.0.0.1:5432/disable', '/v1/hosts/app/127.0.0.1:5432/enable'];
  for (const path of operatorRoutes) {
    const denied = await call(s, 'POST', path, VIEWER);
    t.equal(denied.status, 403, `viewer: ${path}`);
    t.equal(denied.body.code, 'SLUICE_ADMIN_FORBIDDEN');
    t.match(denied.body.message, /token "dash" has role viewer; POST .* needs operator or higher/);
  }
  for (const token of [OPERATOR, ADMIN]) {
    t.equal((await call(s, 'POST', '/v1/sources/app/pause', token)).status, 200);
    t.equal((await call(s, 'POST', '/v1/sources/app/resume', token)).status, 200);
    t.equal((await call(s, 'POST', '/v1/clients/999999/kill', token)).status, 404, 'past access control, no such client');
  }
  t.equal((await c.query('SELECT 2 AS n')).rows[0].n, 2, 'the client still works after pause and resume');

  for (const token of [VIEWER, OPERATOR]) t.equal((await call(s, 'POST', '/v1/reload', token)).status, 403, 'reload needs admin');
  t.equal((await call(s, 'POST', '/v1/reload', ADMIN)).status, 200);
});

t.test('a token added or removed by reload works or stops at once', async (t) => {
  const s = await startSluice({ admin: true, adminTokens: TOKENS });
  t.teardown(() => s.stop());
  const added = generateAdminToken();
  t.equal((await call(s, 'GET', '/v1/pools', added)).status, 401);
  // Replace the viewer's line with a new token's: the old viewer token must stop working.
  const viewerLine = `{ name: dash, role: viewer, hash: "${hashAdminToken(VIEWER)}" }`;
  t.ok(s.yaml.includes(viewerLine));
  writeFileSync(s.configFile, s.yaml.replace(viewerLine, `{ name: new, role: viewer, hash: "${hashAdminToken(added)}" }`));
  t.equal((await call(s, 'POST', '/v1/reload', ADMIN)).status, 200);
  t.equal((await call(s, 'GET', '/v1/pools', added)).status, 200, 'the new token works');
  t.equal((await call(s, 'GET', '/v1/pools', VIEWER)).status, 401, 'the removed token is refused');
});

t.test('the OpenAPI document names the role each operation needs', async (t) => {
  const s = await startSluice({ admin: true, adminTokens: TOKENS });
  t.teardown(() => s.stop());
  const doc = await (await fetch(`${s.adminUrl}/v1/openapi.json`)).json() as {
    paths: Record<string, Record<string, { 'x-sluice-role': string; security: unknown[]; responses: Record<string, unknown> }>>;
    components: { securitySchemes: { bearer: { scheme: string } } };
  };
  t.equal(doc.components.securitySchemes.bearer.scheme, 'bearer');
  const role = (path: string, method: string) => doc.paths[path]?.[method]?.['x-sluice-role'];
  t.equal(role('/healthz', 'get'), 'public');
  t.same(doc.paths['/healthz']?.get?.security, []);
  t.equal(role('/v1/pools', 'get'), 'viewer');
  t.ok(doc.paths['/v1/pools']?.get?.responses['403'], '401 and 403 documented');
  t.equal(role('/v1/sources/{name}/pause', 'post'), 'operator');
  t.equal(role('/v1/clients/{id}/kill', 'post'), 'operator');
  t.equal(role('/v1/reload', 'post'), 'admin');
});

t.test('config views mask token hashes', async (t) => {
  const s = await startSluice({ admin: true, adminTokens: TOKENS });
  t.teardown(() => s.stop());
  const text = await (await fetch(`${s.adminUrl}/v1/config`, { headers: { authorization: `Bearer ${VIEWER}` } })).text();
  for (const { token } of TOKENS) {
    t.notOk(text.includes(hashAdminToken(token).slice(7)), 'no hash in /v1/config');
    t.notOk(text.includes(token), 'no token in /v1/config');
  }
});
