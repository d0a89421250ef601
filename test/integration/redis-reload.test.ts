/**
 * Reload (POST /v1/reload, as SIGHUP) of Redis sources: a changed `listen` moves the source
 * to its new address while clients connected to the old one keep their connections; a source
 * added starts, one removed stops. The configuration file is rewritten as an operator would;
 * the last test sends SIGHUP to the real `sluice start` (dist/, built before tap).
 */
import t from 'tap';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { diffConfig } from '../../src/config/diff.js';
import { loadConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import { RawRedis, REDIS_HOST, REDIS_PORT, resp } from '../helpers/redis-sluice.js';
import { freePortForTest } from '../helpers/redis-ports.js';

/** Redis sources by name and listen address, with an admin port unless `admin` is false. */
function yaml(sources: Record<string, string>, admin = true): string {
  return `${admin ? 'admin: { listen: "127.0.0.1:0", auth: none }\n' : ''}sources:
${Object.entries(sources).map(([name, listen]) => `  ${name}:
    kind: redis
    listen: ${listen}
    hosts: [{ host: ${REDIS_HOST}, port: ${REDIS_PORT} }]
`).join('')}`;
}

/** Whether a TCP connection to the port is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function ping(c: RawRedis): Promise<string> {
  c.write(resp('PING'));
  return c.read((x) => x.endsWith('\r\n'));
}

t.test('listen moves, sources start and stop, clients stay', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-reload-'));
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, yaml({ cache: '127.0.0.1:0' }));
  const gateway = new Gateway(await loadConfig(file), pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }));
  // What the CLI's reload does: re-read the file, apply it, report the changes.
  gateway.reloadHandler = async () => {
    const next = await loadConfig(file);
    const changes = diffConfig(gateway.config, next);
    if (changes.length > 0) await gateway.reload(next);
    return changes;
  };
  await gateway.start();
  t.teardown(async () => {
    await gateway.shutdown(2000);
    rmSync(dir, { recursive: true, force: true });
  });
  const admin = `http://${gateway.adminAddress!.host}:${gateway.adminAddress!.port}`;
  const reload = async (): Promise<string[]> => ((await (await fetch(`${admin}/v1/reload`, { method: 'POST' })).json()) as { changes: string[] }).changes;

  const oldPort = gateway.redis.address('cache')!.port;
  const old = await RawRedis.connect(oldPort);
  t.teardown(() => old.close());
  t.equal(await ping(old), '+PONG\r\n');

  writeFileSync(file, yaml({ cache: `127.0.0.1:${oldPort}` }));
  t.same(await reload(), [`sources.cache.listen.port: 0 → ${oldPort}`]);
  t.equal(gateway.redis.address('cache')!.port, oldPort, 'the port it got, written down, is where it already listens');
  t.equal(await ping(old), '+PONG\r\n');

  const newPort = await freePortForTest();
  writeFileSync(file, yaml({ cache: `127.0.0.1:${newPort}`, sessions: '127.0.0.1:0' }));
  t.same((await reload()).sort(), [`sources.cache.listen.port: ${oldPort} → ${newPort}`, 'sources.sessions: added'].sort());
  t.equal(gateway.redis.address('cache')!.port, newPort, 'the source listens on its new address');
  t.notOk(await accepts(oldPort), 'and no longer on the old one');
  const moved = await RawRedis.connect(newPort);
  t.teardown(() => moved.close());
  t.equal(await ping(moved), '+PONG\r\n', 'new clients connect to the new address');
  t.equal(await ping(old), '+PONG\r\n', 'a client connected before the move keeps its connection');
  t.notOk(old.closed);

  const sessionsPort = gateway.redis.address('sessions')!.port;
  const other = await RawRedis.connect(sessionsPort);
  t.teardown(() => other.close());
  t.equal(await ping(other), '+PONG\r\n', 'the added source serves');
  const listed = (await (await fetch(`${admin}/v1/pools`)).json()) as { source: string }[];
  t.same(listed.map((p) => p.source).sort(), ['cache', 'sessions'], 'and is in the admin views');

  writeFileSync(file, yaml({ cache: `127.0.0.1:${newPort}` }));
  t.same(await reload(), ['sources.sessions: removed']);
  t.equal(gateway.redis.address('sessions'), null);
  t.notOk(await accepts(sessionsPort), 'the removed source no longer listens');
  await other.read(() => other.closed);
  t.ok(other.closed, 'and its clients are closed');
  t.equal(await ping(moved), '+PONG\r\n', 'the kept source is untouched');

  // An address that cannot be bound: the source stays where it is, and says why in the log.
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => blocker.close(r)));
  const taken = (blocker.address() as net.AddressInfo).port;
  writeFileSync(file, yaml({ cache: `127.0.0.1:${taken}` }));
  await reload();
  t.equal(gateway.redis.address('cache')!.port, newPort, 'still on the address it had');
  t.equal(await ping(moved), '+PONG\r\n');
});

t.test('SIGHUP to `sluice start` moves the listener too', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, yaml({ cache: '127.0.0.1:0' }, false));
  const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
  const child = spawn(process.execPath, [main, 'start', '--config', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const exited = once(child, 'exit');
  const waiters: { match: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const entry = JSON.parse(line) as Record<string, unknown>;
    for (const w of waiters.filter((x) => x.match(entry))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(entry);
    }
  });
  const next = (match: (e: Record<string, unknown>) => boolean) => new Promise<Record<string, unknown>>((resolve) => waiters.push({ match, resolve }));

  const listening = await next((e) => e.msg === 'listening' && e.listener === 'redis:cache');
  const oldPort = Number(String(listening.address).split(':').pop());
  const old = await RawRedis.connect(oldPort);
  t.teardown(() => old.close());
  t.equal(await ping(old), '+PONG\r\n');

  const newPort = await freePortForTest();
  writeFileSync(file, yaml({ cache: `127.0.0.1:${newPort}` }, false));
  const moved = next((e) => e.msg === 'redis source moved to its new listen address');
  child.kill('SIGHUP');
  t.match(await moved, { source: 'cache', listen: `127.0.0.1:${newPort}` });
  const fresh = await RawRedis.connect(newPort);
  t.teardown(() => fresh.close());
  t.equal(await ping(fresh), '+PONG\r\n', 'new clients reach the new address');
  t.equal(await ping(old), '+PONG\r\n', 'the old client keeps its connection');
  t.notOk(await accepts(oldPort), 'the old address is closed');

  old.close();
  fresh.close();
  child.kill('SIGTERM');
  const [code] = await exited;
  t.equal(code, 0, 'and it stops cleanly');
});
