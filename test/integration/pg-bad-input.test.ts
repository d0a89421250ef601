/**
 * Bad input closes that one connection at worst: impossible lengths, oversized messages,
 * random bytes, stalled startups, unexpected message types, and a flood of connections
 * opened and dropped. Each offender gets an ErrorResponse or a close; the gateway keeps
 * serving; no server connection or session is left behind. Runs as its own role so that
 * backend counts see no other test's connections.
 */
import t from 'tap';
import type { Test } from 'tap';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { adminQuery, countBackends, ensureRoleAndDb, waitForBackends } from '../helpers/postgres.js';
import { RawClient, serialize } from '../helpers/raw-client.js';

const ROLE = 'sluice_pt_bad';
const PASSWORD = 'bad-pass';
const login = { user: ROLE, password: PASSWORD };
const POOL_SIZE = 2;

let s: TestSluice;
let witness: pg.Client;

t.before(async () => {
  await ensureRoleAndDb(ROLE, PASSWORD);
  await adminQuery('select pg_terminate_backend(pid) from pg_stat_activity where usename = $1', [ROLE]);
  s = await startSluice({
    size: POOL_SIZE, user: ROLE, password: PASSWORD, database: ROLE,
    listener: { max_packet_size: 16384, client_login_timeout: '500ms' },
    pool: { query_wait_timeout: '5s' },
  });
  // A well-behaved client connected throughout: it must never notice the others.
  witness = new pg.Client(s.url(login));
  await witness.connect();
});

t.teardown(async () => {
  await witness.end();
  await s.stop();
});

/** Resolves to what the server did with this connection: an ErrorResponse's code, 'closed', or 'open'. */
async function fate(c: RawClient, timeoutMs = 3000): Promise<string> {
  const closed = await c.waitClosed(timeoutMs);
  const err = c.received.find((m) => m.name === 'error');
  if (err) return err.code!;
  return closed ? 'closed' : 'open';
}

async function stillServing(t: Test): Promise<void> {
  t.same((await witness.query('select 1 as one')).rows, [{ one: 1 }], 'the connected client is unaffected');
  const c = new pg.Client(s.url(login));
  await c.connect();
  t.same((await c.query({ text: 'select $1::int as n', values: [7] })).rows, [{ n: 7 }], 'a new client works');
  await c.end();
}

function header(type: number | null, length: number): Buffer {
  const b = Buffer.alloc(type === null ? 4 : 5);
  if (type === null) b.writeInt32BE(length, 0);
  else {
    b[0] = type;
    b.writeInt32BE(length, 1);
  }
  return b;
}

t.test('malformed startup packets', async (t) => {
  const cases: [string, Buffer][] = [
    ['length below 8', header(null, 3)],
    ['negative length', header(null, -1)],
    ['length above 10000', Buffer.concat([header(null, 20000), Buffer.alloc(100)])],
    ['protocol 2.0', Buffer.from([0, 0, 0, 8, 0, 2, 0, 0])],
    ['no terminator', Buffer.concat([header(null, 14), Buffer.from([0, 3, 0, 0]), Buffer.from('user\0x')])],
    ['no user', serialize.startup({ database: 'x' })],
    ['cancel request of the wrong length', Buffer.from([0, 0, 0, 12, 4, 0xd2, 0x16, 0x2e, 0, 0, 0, 1])],
  ];
  for (const [what, bytes] of cases) {
    const c = await RawClient.connect(s.port);
    c.write(bytes);
    const f = await fate(c);
    t.ok(['08P01', '28000', 'closed'].includes(f), `${what}: ${f}`);
    c.destroy();
  }
  await stillServing(t);
});

t.test('a startup that stalls is closed after client_login_timeout', async (t) => {
  const c = await RawClient.connect(s.port);
  c.write(Buffer.from([0, 0, 0, 40, 0, 3])); // a promise of 40 bytes, never kept
  const started = Date.now();
  t.equal(await fate(c, 3000), '08P01');
  t.match(c.received.find((m) => m.name === 'error')?.message, /client_login_timeout/);
  t.ok(Date.now() - started < 2500, 'in about the timeout');
  // Stalled in the middle of authentication too.
  const d = await RawClient.connect(s.port);
  d.write(serialize.startup({ user: ROLE, database: 'app' }));
  t.equal(await fate(d, 3000), '08P01', 'no answer to the SASL request');
  await stillServing(t);
});

t.test('garbage during authentication', async (t) => {
  for (const bytes of [
    Buffer.concat([header(0x70, 8), Buffer.from('x\0\0\0')]),
    Buffer.concat([header(0x70, 4 + 14 + 4 + 3), Buffer.from('SCRAM-SHA-256\0'), Buffer.from([0, 0, 0, 3]), Buffer.from('abc')]),
    Buffer.concat([header(0x70, 4 + 14 + 4), Buffer.from('SCRAM-SHA-256\0'), Buffer.from([0x7f, 0, 0, 0])]),
    Buffer.concat([header(0x51, 9), Buffer.from('select\0')]),
    header(0x70, 2),
    Buffer.concat([header(0x70, 20000), Buffer.alloc(200)]),
  ]) {
    const c = await RawClient.connect(s.port);
    c.write(serialize.startup({ user: ROLE, database: 'app' }));
    await c.until('authenticationSASL');
    c.write(bytes);
    const f = await fate(c);
    t.ok(['08P01', '28P01', 'closed'].includes(f), `${bytes.subarray(0, 12).toString('hex')}: ${f}`);
    c.destroy();
  }
  await stillServing(t);
});

t.test('malformed messages after login', async (t) => {
  const cases: [string, Buffer][] = [
    ['length below 4', header(0x51, 2)],
    ['negative length', header(0x51, -5)],
    ['longer than max_packet_size', Buffer.concat([header(0x51, 100_000), Buffer.alloc(1000, 0x61)])],
    ['unknown type', Buffer.concat([header(0x7a, 4)])],
    ['a password message', Buffer.concat([header(0x70, 8), Buffer.from('pwd\0')])],
    ['Parse without terminators', Buffer.concat([header(0x50, 8), Buffer.from('abcd')])],
    ['Bind without terminators', Buffer.concat([header(0x42, 8), Buffer.from('abcd')])],
    ['Describe without a name', Buffer.concat([header(0x44, 5), Buffer.from('S')])],
  ];
  for (const [what, bytes] of cases) {
    for (const inTx of [false, true]) {
      const c = await RawClient.login(s.port, login);
      if (inTx) await c.query('begin');
      c.write(bytes);
      const f = await fate(c);
      t.ok(['08P01', 'closed'].includes(f), `${what}${inTx ? ' (in a transaction)' : ''}: ${f}`);
      c.destroy();
    }
  }
  await stillServing(t);
  t.ok(await waitForBackends({ usename: ROLE }, POOL_SIZE) <= POOL_SIZE, 'no server connection leaked');
});

t.test('clients that send half a message do not hold servers', async (t) => {
  const slow = await Promise.all(Array.from({ length: POOL_SIZE + 1 }, () => RawClient.login(s.port, login)));
  const q = serialize.query(`select '${'z'.repeat(2000)}' = repeat('z', 2000)`);
  for (const c of slow) c.write(q.subarray(0, 100));
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  await stillServing(t);
  t.ok(Date.now() - started < 3000, 'others are served while those messages are incomplete');
  // The dawdlers finish their messages and get their answers.
  for (const c of slow) c.write(q.subarray(100));
  for (const c of slow) t.same((await c.untilReady()).filter((m) => m.name === 'dataRow').map((m) => m.fields), [['t']]);
  await Promise.all(slow.map((c) => c.end()));
});

t.test('random bytes', async (t) => {
  let answered = 0;
  for (let i = 0; i < 150; i++) {
    const c = await RawClient.connect(s.port);
    c.write(randomBytes(1 + (i * 37) % 300));
    const f = await fate(c, 2000);
    if (f !== 'open') answered++;
    else t.fail(`random input #${i} left the connection open`);
    c.destroy();
  }
  t.equal(answered, 150, 'every random startup got an error or a close');
  for (let i = 0; i < 60; i++) {
    const c = await RawClient.login(s.port, login);
    if (i % 2) await c.query('begin');
    const junk = randomBytes(5 + (i * 53) % 400);
    junk[0] = [0x51, 0x50, 0x42, 0x44, 0x45, 0x43, 0x53, 0x48, 0x46, 0x64, 0x63, 0x66][i % 12]!;
    c.write(junk);
    await fate(c, 300);
    c.destroy();
  }
  await stillServing(t);
  t.ok(await waitForBackends({ usename: ROLE }, POOL_SIZE) <= POOL_SIZE, 'no server connection leaked');
});

t.test('10,000 connections opened and dropped', async (t) => {
  const started = Date.now();
  const total = 10_000, batch = 500;
  let opened = 0;
  for (let i = 0; i < total; i += batch) {
    await Promise.all(Array.from({ length: batch }, (_, k) => new Promise<void>((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port: s.port });
      sock.on('error', () => resolve());
      sock.on('close', () => resolve());
      sock.on('connect', () => {
        opened++;
        // Some say nothing, some start a login, some send half a startup packet.
        if (k % 3 === 1) sock.write(serialize.startup({ user: ROLE, database: 'app' }));
        else if (k % 3 === 2) sock.write(Buffer.from([0, 0, 0, 40, 0, 3]));
        sock.destroy();
      });
    })));
  }
  const elapsed = Date.now() - started;
  t.equal(opened, total, `${total} connections opened and dropped in ${elapsed} ms`);
  t.ok(elapsed < 60_000, 'in bounded time');

  const px = s.gateway.postgres!;
  const deadline = Date.now() + 5000;
  // The witness is the one session that should remain.
  while (px.sessions.size > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.equal(px.sessions.size, 1, 'every dropped session was forgotten');
  await stillServing(t);
  t.ok(await countBackends({ usename: ROLE }) <= POOL_SIZE, 'backends within the pool size');
});
