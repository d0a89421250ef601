// The status page in Debian's chromium (headless, playwright-core) with a Redis source under
// ioredis traffic: its pool row says redis and counts commands as queries, its host row shows
// the health the probes keep, and the page runs without a script error.
import t from 'tap';
import { Redis } from 'ioredis';
import { chromium, type Page } from 'playwright-core';
import { REDIS_HOST, REDIS_PORT, startRedisSluice } from '../helpers/redis-sluice.js';

const WAIT_MS = 15_000;
const P = `sluice-test:status-page:${process.pid}:`;

/** Polls through locators: the page's policy forbids the eval page.waitForFunction would need. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const text = async (page: Page, selector: string): Promise<string> => (await page.locator(selector).textContent({ timeout: WAIT_MS })) ?? '';

t.test('a Redis source on the status page', { timeout: 60_000 }, async (t) => {
  const s = await startRedisSluice({ top: 'admin: { listen: "127.0.0.1:0", auth: none }' });
  t.teardown(() => s.stop());
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });

  const c = new Redis({ port: s.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  c.on('error', () => {});
  await c.connect();
  t.teardown(() => c.disconnect());
  for (let i = 0; i < 20; i++) await c.set(`${P}${i}`, String(i));
  await c.del(...Array.from({ length: 20 }, (_, i) => `${P}${i}`));

  const admin = s.gateway.adminAddress!;
  await page.goto(`http://${admin.host}:${admin.port}/`);
  const pool = '#pools tr[data-source="cache"]';
  await page.waitForSelector(pool, { timeout: WAIT_MS });
  t.equal(await text(page, `${pool} td[data-field="protocol"]`), 'redis');
  t.equal(await text(page, `${pool} td[data-field="mode"]`), 'statement');
  await until('the commands to be counted', async () => Number(await text(page, `${pool} td[data-field="queries"]`)) >= 21);
  t.pass('commands are counted as queries');
  const host = `#hosts tr[data-source="cache"][data-host="${REDIS_HOST}:${REDIS_PORT}"]`;
  await until('the host to be up', async () => await text(page, `${host} td[data-field="up"]`) === 'up');
  t.equal(await text(page, `${host} td[data-field="protocol"]`), 'redis');
  t.equal(await text(page, `${host} td[data-field="health"]`), 'healthy', 'the health the probes keep');
  t.equal(await text(page, `${host} td[data-field="observedRole"]`), 'primary', 'the role ROLE reports');
  t.strictSame(problems, [], 'no script error or blocked load in the page');
});
