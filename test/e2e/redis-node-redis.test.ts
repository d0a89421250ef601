/**
 * The `redis` npm client (node-redis) through Sluice, in RESP2 and RESP3: commands,
 * transactions, pub/sub (push frames in RESP3), blocking pops.
 */
import t from 'tap';
import { createClient } from 'redis';
import { startRedisSluice } from '../helpers/redis-sluice.js';

const P = `sluice-test:node-redis:${process.pid}:`;

for (const RESP of [2, 3] as const) {
  t.test(`node-redis RESP${RESP}`, async (t) => {
    const s = await startRedisSluice({ users: '[{ name: app, password: apw }]' });
    t.teardown(() => s.stop());
    const url = `redis://app:apw@127.0.0.1:${s.port}`;
    const c = createClient({ url, RESP });
    c.on('error', () => {});
    await c.connect();
    t.teardown(() => c.destroy());
    t.equal(await c.set(`${P}${RESP}:k`, 'v'), 'OK');
    t.equal(await c.get(`${P}${RESP}:k`), 'v');
    t.strictSame(await c.multi().incr(`${P}${RESP}:n`).incr(`${P}${RESP}:n`).exec(), [1, 2]);
    await c.hSet(`${P}${RESP}:h`, { a: '1', b: '2' });
    t.strictSame({ ...(await c.hGetAll(`${P}${RESP}:h`)) }, { a: '1', b: '2' });

    const sub = c.duplicate();
    sub.on('error', () => {});
    await sub.connect();
    t.teardown(() => sub.destroy());
    const got: string[] = [];
    await sub.subscribe(`${P}${RESP}:ch`, (message, channel) => { got.push(`${channel}=${message}`); });
    t.equal(await c.publish(`${P}${RESP}:ch`, 'm1'), 1);
    const deadline = Date.now() + 5000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    t.strictSame(got, [`${P}${RESP}:ch=m1`]);
    await sub.unsubscribe(`${P}${RESP}:ch`);

    const pop = sub.blPop(`${P}${RESP}:q`, 5);
    await new Promise((r) => setTimeout(r, 50));
    await c.rPush(`${P}${RESP}:q`, 'item');
    // node-redis answers with Buffers on a connection that has left subscribed mode, directly against Redis too.
    const popped = await pop;
    t.strictSame(popped && { key: String(popped.key), element: String(popped.element) }, { key: `${P}${RESP}:q`, element: 'item' });
    await c.del([`${P}${RESP}:k`, `${P}${RESP}:n`, `${P}${RESP}:h`]);
  });
}
