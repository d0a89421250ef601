/**
 * Client sockets read into one buffer shared by every PostgreSQL client (src/proxy/shared-reads.ts):
 * what one client sent must never be overwritten by another's read while it waits for a
 * server, sits in a write the kernel could not take at once, or spans several reads.
 */
import t from 'tap';
import pg from 'pg';
import { startSluice } from '../helpers/sluice.js';
import { ensureRoleAndDb, TEST_PASSWORD, TEST_ROLE } from '../helpers/postgres.js';
import { loginRaw, rows, serialize } from '../helpers/raw-client.js';

t.before(() => ensureRoleAndDb(TEST_ROLE, TEST_PASSWORD));

/** A text of `size` characters that says all along which client and query made it. */
function payload(client: number, query: number, size: number): string {
  const tag = `c${client}q${query}:`;
  return tag.repeat(Math.ceil(size / tag.length)).slice(0, size);
}

t.test('queued clients, large and split messages: every client reads back exactly what it sent', async (t) => {
  // 40 clients over 2 server connections: most queries wait queued while other clients' reads go through the shared buffer.
  const s = await startSluice({ size: 2, pool: { query_wait_timeout: '60s' } });
  t.teardown(() => s.stop());
  const sizes = [8, 300, 70_000, 2_000_000];
  const clients = await Promise.all(Array.from({ length: 40 }, async () => {
    const c = new pg.Client(s.url());
    await c.connect();
    return c;
  }));
  t.teardown(() => Promise.all(clients.map((c) => c.end().catch(() => {}))));
  let mismatches = 0;
  let checked = 0;
  await Promise.all(clients.map(async (c, i) => {
    for (let q = 0; q < 12; q++) {
      const text = payload(i, q, sizes[(i + q) % sizes.length]!);
      // Simple protocol (the literal travels in the Query) and extended (a bind parameter).
      const simple = await c.query(`select '${text}' as v`);
      const bound = await c.query({ text: 'select $1::text as v, length($1::text) as n', values: [text] });
      checked += 2;
      if (simple.rows[0].v !== text) mismatches++;
      if (bound.rows[0].v !== text || Number(bound.rows[0].n) !== text.length) mismatches++;
    }
  }));
  t.equal(checked, 40 * 12 * 2);
  t.equal(mismatches, 0, 'no reply carries bytes of another client');
});

t.test('bytes the server is too busy to take stay intact while other clients read', async (t) => {
  const s = await startSluice({ size: 4 });
  t.teardown(() => s.stop());
  const c = await loginRaw(t, s.port);
  // The server sleeps before reading on, so the queries behind the sleep fill the socket
  // buffers and Sluice's writes of them wait in Node, holding their bytes, while other clients'
  // reads pass through the shared buffer. Each is smaller than one read, so what waits is a
  // view of that buffer unless Sluice copied it.
  const big = Array.from({ length: 300 }, (_, q) => payload(99, q, 30_000));
  c.write(serialize.query('select pg_sleep(1)'), ...big.map((text) => serialize.query(`select md5('${text}') as m`)));
  const others = await Promise.all(Array.from({ length: 8 }, async (_, i) => {
    const o = new pg.Client(s.url());
    await o.connect();
    let bad = 0;
    for (let q = 0; q < 40; q++) {
      const text = payload(i, q, 40_000);
      if ((await o.query('select $1::text as v', [text])).rows[0].v !== text) bad++;
    }
    await o.end();
    return bad;
  }));
  t.same(others, Array(8).fill(0), 'the other clients read back what they sent');
  // A corrupted query makes the server fail or close; say so in a line, not the whole message list.
  const answers = await c.untilReadyN(big.length + 1, 60_000).catch((err: Error) => {
    t.fail(`the pipelined client did not get its answers: ${err.message.slice(0, 120)}`);
    return [];
  });
  const d = new pg.Client(s.url());
  await d.connect();
  const expected: string[] = [];
  for (const text of big) expected.push((await d.query('select md5($1::text) as m', [text])).rows[0].m as string);
  await d.end();
  t.same(rows(answers).slice(1).map((r) => r[0]), expected, 'each big query reached the server as the client sent it');
});

t.test('clients that come and go leave the connection count where it was', async (t) => {
  const s = await startSluice({ size: 2, listener: { max_client_conn: 4 } });
  t.teardown(() => s.stop());
  for (let round = 0; round < 3; round++) {
    const clients = await Promise.all(Array.from({ length: 4 }, async () => {
      const c = new pg.Client(s.url());
      await c.connect();
      return c;
    }));
    const replies = await Promise.all(clients.map((c, i) => c.query('select $1::int as n', [round * 10 + i])));
    t.same(replies.map((r) => r.rows[0].n), [0, 1, 2, 3].map((i) => round * 10 + i));
    await Promise.all(clients.map((c) => c.end()));
    // The listener counts a client out when its socket closes; give the close events a turn.
    await new Promise((r) => setTimeout(r, 100));
  }
  const fifth = new pg.Client(s.url());
  await fifth.connect();
  t.same((await fifth.query('select 1 as one')).rows, [{ one: 1 }], 'four closed clients of each round freed their places');
  await fifth.end();
});
