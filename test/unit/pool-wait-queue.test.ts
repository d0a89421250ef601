import fc from 'fast-check';
import t from 'tap';
import { WaitQueue } from '../../src/pool/wait-queue.js';

interface W { n: number }

t.test('FIFO with holes, growth and enqueue times', async (t) => {
  const q = new WaitQueue<W>(2);
  const ws = Array.from({ length: 10 }, (_, n) => ({ n }));
  for (const w of ws) t.ok(q.push(w, w.n * 10));
  t.notOk(q.push(ws[0] as W, 999), 'a queued waiter is not queued twice');
  t.equal(q.size, 10);
  t.ok(q.remove(ws[0] as W));
  t.ok(q.remove(ws[5] as W));
  t.notOk(q.remove(ws[5] as W));
  t.equal(q.oldestSince(), 10, 'the hole at the head is skipped');
  t.equal(q.shift(), ws[1]);
  t.equal(q.size, 7);
  t.notOk(q.has(ws[1] as W));
  t.ok(q.has(ws[2] as W));
  const order: number[] = [];
  for (let w = q.shift(); w !== undefined; w = q.shift()) order.push(w.n);
  t.same(order, [2, 3, 4, 6, 7, 8, 9]);
  t.equal(q.oldestSince(), -1);
  t.equal(q.shift(), undefined);
});

t.test('behaves like an array model under random push/shift/remove', async (t) => {
  type Op = { op: 'push' } | { op: 'shift' } | { op: 'remove'; pick: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.constant({ op: 'push' as const }),
    fc.constant({ op: 'shift' as const }),
    fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
    const q = new WaitQueue<W>(2);
    const model: W[] = [];
    let next = 0;
    for (const o of ops) {
      if (o.op === 'push') {
        const w = { n: next++ };
        q.push(w, w.n);
        model.push(w);
      } else if (o.op === 'shift') {
        if (q.shift() !== model.shift()) return false;
      } else if (model.length > 0) {
        const [w] = model.splice(o.pick % model.length, 1);
        if (w === undefined || !q.remove(w)) return false;
      }
      if (q.size !== model.length) return false;
      if (q.oldestSince() !== (model[0]?.n ?? -1)) return false;
    }
    return true;
  }));
  t.pass('matches the model');
});

t.test('a ticket from another queue or from before a rewind does not count', async (t) => {
  const a = new WaitQueue<W>(2);
  const b = new WaitQueue<W>(2);
  const w = { n: 1 };
  const other = { n: 2 };
  t.ok(a.push(w, 0));
  t.notOk(b.has(w), 'queued in a, not in b');
  t.notOk(b.remove(w));
  t.ok(b.push(other, 0));
  t.equal(b.shift(), other);
  t.equal(a.shift(), w, 'the rewound queue b left a untouched');
  t.ok(b.push(other, 0), 'b starts over at sequence 0');
  t.notOk(b.has(w), 'w held sequence 0 of a, and b\'s slot 0 holds another waiter');
  t.notOk(b.remove(w));
  t.equal(b.size, 1);
});
