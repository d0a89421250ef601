// The admin port's status page in Debian's chromium (headless, driven by playwright-core, no
// downloaded browser) while node-postgres clients run queries through Sluice for a few seconds:
// the pool table fills, the host shows up, the charts get points, a screenshot is kept in
// test-artifacts/status-page.png. Access is by bearer token, given in the URL fragment or the form.
// A second gateway with `discovery:` shows a discovered PostgreSQL database in the discovery
// section, and the tables and columns a second run found changed.
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { generateAdminToken, hashAdminToken } from '../../src/auth/admin-tokens.js';
import { parseConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { adminQuery, ensureRoleAndDb, PG_HOST, PG_PORT, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';

const CLIENTS = 24;
const SERVERS = 4;
const LOAD_MS = 8000;
const WAIT_MS = 15_000;
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const HOST_KEY = `${PG_HOST}:${PG_PORT}`;

interface LoadResult { transactions: number; errors: string[] }

/** CLIENTS connections each running short queries until LOAD_MS has passed (or `stop` is set); ends them all. */
function runLoad(url: string, stop: { now: boolean }): Promise<LoadResult> {
  const result: LoadResult = { transactions: 0, errors: [] };
  const deadline = Date.now() + LOAD_MS;
  const worker = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, application_name: 'sluice-e2e-status-page' });
    try {
      await c.connect();
      // A few milliseconds in the server so that, with more clients than servers, some wait.
      while (!stop.now && Date.now() < deadline) {
        await c.query('SELECT pg_sleep(0.003)');
        result.transactions++;
      }
    } catch (err) {
      result.errors.push(String(err));
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  return Promise.all(Array.from({ length: CLIENTS }, worker)).then(() => result);
}

/** A number shown in the pool row of source "app". */
async function poolCell(page: Page, field: string): Promise<number> {
  return Number(await page.locator(`#pools tr[data-source="app"] td[data-field="${field}"]`).textContent({ timeout: WAIT_MS }));
}

async function chartAttr(page: Page, id: string, name: 'points' | 'max'): Promise<number> {
  return Number(await page.locator(`#${id}`).getAttribute(`data-${name}`));
}

/**
 * Polls from the test side through locators: the page's policy forbids eval, which
 * page.waitForFunction with a string would need, and that is a policy worth keeping under test.
 */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let sluice: TestSluice | null = null;
let browser: Browser | null = null;
const token = generateAdminToken();

t.before(async () => {
  await ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD);
  sluice = await startSluice({ admin: true, size: SERVERS, pool: { query_wait_timeout: '30s' }, adminTokens: [{ name: 'e2e-viewer', role: 'viewer', token }] });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
});

t.teardown(async () => {
  await browser?.close();
  await sluice?.stop();
});

t.test('the page follows the pools while load runs', { timeout: 60_000 }, async (t) => {
  const s = sluice!;
  const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
  t.teardown(() => context.close());
  const page = await context.newPage();
  // Script errors and Content-Security-Policy refusals both land here.
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });

  await page.goto(`${s.adminUrl}/#token=${encodeURIComponent(token)}`);
  await page.waitForSelector('#pools tr[data-source="app"]', { timeout: WAIT_MS });
  t.equal(new URL(page.url()).hash, '', 'the token left the address bar');
  t.equal(await page.evaluate('sessionStorage.getItem("sluice.adminToken")'), token, 'and stays for this tab');
  t.equal(await poolCell(page, 'transactions'), 0, 'no traffic yet');

  const stop = { now: false };
  const load = runLoad(s.url(), stop);
  t.teardown(async () => { stop.now = true; await load; });

  await until('server connections in use', async () =>
    await poolCell(page, 'transactions') > 0 && (await poolCell(page, 'svActive') > 0 || await poolCell(page, 'svUsed') > 0));
  const seen = await poolCell(page, 'transactions');
  t.ok(seen > 0, `the pool row counts transactions (${seen})`);
  await until('more transactions', async () => await poolCell(page, 'transactions') > seen);
  t.pass('and the count rises');
  t.equal(await poolCell(page, 'size'), SERVERS);

  const host = page.locator(`#hosts tr[data-source="app"][data-host="${HOST_KEY}"]`);
  await until('the host to be up', async () => await host.locator('td[data-field="up"]').textContent() === 'up');
  t.equal(await host.locator('td[data-field="up"]').textContent(), 'up', 'the host is up');
  t.equal(await host.locator('td[data-field="role"]').textContent(), 'primary');
  t.equal(await host.locator('td[data-field="disabled"]').textContent(), 'no');

  // Two samples with traffic: two series each, so at least four points, and a peak above zero.
  await until('chart points', async () =>
    await chartAttr(page, 'chart-tps', 'points') >= 4 && await chartAttr(page, 'chart-tps', 'max') > 0 && await chartAttr(page, 'chart-latency', 'points') > 0);
  const tps = { points: await chartAttr(page, 'chart-tps', 'points'), max: await chartAttr(page, 'chart-tps', 'max') };
  t.ok(tps.points >= 4 && tps.max > 0, `the throughput chart has points (${tps.points}, peak ${tps.max.toFixed(0)}/s)`);
  t.match(await page.locator('#legend-tps').textContent(), /transactions\/s: /, 'with a legend');
  t.match(await page.locator('#version').textContent(), /^sluice \d+\.\d+\.\d+/, 'version in the header');
  t.match(await page.locator('#uptime').textContent(), /^up \d+m \d+s$/, 'uptime in the header');
  t.match(await page.locator('#status').textContent(), /^live/);

  // A few more seconds of lines make a screenshot worth looking at; the load is still running.
  await until('six samples on the chart', async () => await chartAttr(page, 'chart-tps', 'points') >= 12);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}status-page.png` });
  t.pass(`screenshot in ${ARTIFACTS}status-page.png`);

  t.notOk(await page.locator('#discovery-section').isVisible(), 'no discovery section without discovery configured');
  const done = await load;
  t.strictSame(done.errors, [], 'every client ran without error');
  t.ok(done.transactions > CLIENTS, `load ran (${done.transactions} queries)`);
  t.strictSame(problems, [], 'no script error or blocked load in the page');
});

t.test('without a token the page asks for one', { timeout: 30_000 }, async (t) => {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
  t.teardown(() => context.close());
  const page = await context.newPage();
  await page.goto(`${sluice!.adminUrl}/`);
  const form = page.locator('#token-form');
  await form.waitFor({ state: 'visible', timeout: WAIT_MS });
  t.match(await page.locator('#token-message').textContent(), /needs a token/);

  await page.fill('#token-input', 'sluice_not-a-real-token');
  await page.click('#token-form button');
  await until('the refusal', async () => /did not accept/.test(await page.locator('#token-message').textContent() ?? ''));
  t.ok(await form.isVisible(), 'a wrong token is refused and the form stays');

  await page.fill('#token-input', token);
  await page.click('#token-form button');
  await page.waitForSelector('#pools tr[data-source="app"]', { timeout: WAIT_MS });
  t.notOk(await form.isVisible(), 'the right one fills the tables');
  t.equal(await page.evaluate('sessionStorage.getItem("sluice.adminToken")'), token);
});

/** A gateway with an admin port and discovery of `database` as source "shop", in this process. */
async function discoveryGateway(database: string, catalog: string): Promise<{ gateway: Gateway; adminUrl: string }> {
  const config = await parseConfig(`
admin:
  listen: 127.0.0.1:0
  tokens: [{ name: e2e-operator, role: operator, hash: "${hashAdminToken(token)}" }]
sources:
  shop:
    kind: postgres
    database: ${database}
    hosts: [{ host: ${PG_HOST}, port: ${PG_PORT} }]
    users: [{ name: postgres, password: unused }]
discovery:
  catalog: ${catalog}
  strategy: aggressive
  sources: { shop: { schedule: 1h } }
`, 'e2e');
  const gateway = new Gateway(config, pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }));
  await gateway.start();
  return { gateway, adminUrl: `http://127.0.0.1:${gateway.adminAddress!.port}` };
}

t.test('the discovery section shows runs and the changes a second run found', { timeout: 60_000 }, async (t) => {
  const db = `sluice_e2e_status_discovery_${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-discovery-'));
  await adminQuery(`DROP DATABASE IF EXISTS ${db}`);
  await adminQuery(`CREATE DATABASE ${db}`);
  const sql = async (text: string): Promise<void> => {
    const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: 'postgres', database: db });
    await c.connect();
    await c.query(text).finally(() => c.end());
  };
  await sql(`CREATE TABLE customers (id int PRIMARY KEY, email text); INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 20) g`);
  const { gateway, adminUrl } = await discoveryGateway(db, join(dir, 'catalog.db'));
  t.teardown(async () => {
    await gateway.shutdown(2000);
    await adminQuery(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  });
  const discover = async (): Promise<number> => {
    const res = await fetch(`${adminUrl}/v1/sources/shop/discover`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    const { runId } = await res.json() as { runId: number };
    await gateway.discovery!.settled('shop');
    return runId;
  };

  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
  t.teardown(() => context.close());
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
  await page.goto(`${adminUrl}/#token=${encodeURIComponent(token)}`);

  const row = page.locator('#discovery tr[data-source="shop"]');
  const field = (name: string) => row.locator(`td[data-field="${name}"]`);
  await row.waitFor({ timeout: WAIT_MS });
  t.equal(await field('status').textContent(), 'never run', 'the source is listed before its first run');
  t.match(await field('nextRunAt').textContent(), /^in (59m|1h 0m) /, 'with its next scheduled run');

  const first = await discover();
  await until('the first run on the page', async () => await row.getAttribute('data-run-id') === String(first) && await field('status').textContent() === 'succeeded');
  t.equal(await field('datasets').textContent(), '1', 'the run found one table');
  t.match(await field('duration').textContent(), /^\d+(\.\d)? m?s$/, 'and took a measured time');
  t.match(await field('startedAt').textContent(), /^\d\d:\d\d:\d\d \(.+ ago\)$/);
  t.equal(await field('changesSinceDay').textContent(), '1');
  t.match(await field('latestChanges').locator('div').textContent(), new RegExp(`^\\+1 dataset · run ${first},`), 'the first run added the table');
  t.equal(await field('latestChanges').locator('li[data-kind="dataset_added"]').textContent(), '+ public.customers');

  await sql('ALTER TABLE customers ADD COLUMN phone text; ALTER TABLE customers DROP COLUMN email; CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers)');
  const second = await discover();
  await until('the second run on the page', async () => await row.getAttribute('data-run-id') === String(second) && await field('status').textContent() === 'succeeded');
  t.equal(await field('datasets').textContent(), '2', 'the second run found both tables');
  const changes = field('latestChanges');
  await until('the second run\'s changes', async () => await changes.locator('div').getAttribute('data-run') === String(second));
  t.match(await changes.locator('div').textContent(), /\+1 dataset/, 'a table added');
  t.match(await changes.locator('div').textContent(), /\+1 field .*−1 field/, 'a column added and one removed');
  t.equal(await changes.locator('li[data-kind="dataset_added"]').textContent(), '+ public.orders');
  t.equal(await changes.locator('li[data-kind="field_added"]').textContent(), '+ public.customers.phone');
  t.equal(await changes.locator('li[data-kind="field_removed"]').textContent(), '− public.customers.email');
  t.ok(Number(await field('changesSinceDay').textContent()) >= 4, 'the day\'s count includes both runs');

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.locator('#discovery-section').screenshot({ path: `${ARTIFACTS}status-page-discovery.png` });
  t.pass(`screenshot in ${ARTIFACTS}status-page-discovery.png`);
  t.strictSame(problems, [], 'no script error or blocked load in the page');
});
