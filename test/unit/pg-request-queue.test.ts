import t from 'tap';
import { Act, Req, RequestQueue } from '../../src/proxy/postgres/request-queue.js';

t.test('keeps order across growth and wrap-around', async (t) => {
  const q = new RequestQueue(2);
  const expected: [number, number, string | null][] = [];
  let seq = 0;
  for (let round = 0; round < 50; round++) {
    const n = (round % 7) + 1;
    for (let i = 0; i < n; i++) {
      const e: [number, number, string | null] = [(seq % 7) + 1, (seq % 3) + 1, seq % 2 ? `s${seq}` : null];
      q.push(e[0] as Req, e[1] as Act, e[2]);
      expected.push(e);
      seq++;
    }
    const take = Math.max(1, n - 1);
    for (let i = 0; i < take && expected.length; i++) {
      const [k, a, name] = expected.shift()!;
      t.equal(q.headKind(), k);
      t.equal(q.headAct(), a);
      t.equal(q.headName(), name);
      q.shift();
    }
    t.equal(q.length, expected.length);
  }
  q.clear();
  t.ok(q.empty);
  t.equal(q.headKind(), 0, 'an empty queue has no head kind');
});

t.test('payloads travel with their entry', async (t) => {
  const q = new RequestQueue(1);
  const payload = Buffer.from('x');
  q.push(Req.Sync, Act.Forward);
  q.push(Req.Query, Act.Fake, null, payload);
  q.shift();
  t.equal(q.headPayload(), payload);
  q.shift();
  t.equal(q.headPayload(), null);
});
