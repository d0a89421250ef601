import t from 'tap';
import { KeptConnections } from '../../src/health/kept-connections.js';

class FakeConnection {
  closed = false;
  reason = '';
  constructor(readonly n: number) {}
  close(reason: string): void { this.closed = true; this.reason = reason; }
}

function kept(): { k: KeptConnections<string, FakeConnection>; opened: FakeConnection[] } {
  const opened: FakeConnection[] = [];
  const k = new KeptConnections<string, FakeConnection>(async () => {
    const c = new FakeConnection(opened.length);
    opened.push(c);
    return c;
  });
  return { k, opened };
}

t.test('one connection per host, kept across probes', async (t) => {
  const { k, opened } = kept();
  const signal = new AbortController().signal;
  t.equal(await k.probe('a', signal, async (c) => c.n), 0);
  t.equal(await k.probe('a', signal, async (c) => c.n), 0, 'reused');
  t.equal(await k.probe('b', signal, async (c) => c.n), 1, 'another host, another connection');
  k.closeAll('source closed');
  t.strictSame(opened.map((c) => c.reason), ['source closed', 'source closed']);
});

t.test('a failed probe closes its connection; the next opens a fresh one', async (t) => {
  const { k, opened } = kept();
  const signal = new AbortController().signal;
  await t.rejects(k.probe('a', signal, async () => { throw new Error('no answer'); }), /no answer/);
  t.equal(opened[0]!.reason, 'probe failed');
  t.equal(await k.probe('a', signal, async (c) => c.n), 1);
});

t.test('an abort closes the connection, also one that opens after the abort', async (t) => {
  const { k, opened } = kept();
  const running = new AbortController();
  const probe = k.probe('a', running.signal, () => new Promise<number>(() => {}));
  await new Promise((r) => setImmediate(r));
  running.abort();
  t.equal(opened[0]!.reason, 'probe aborted', 'the hung probe\'s connection is closed at the abort');
  void probe;
  const early = new AbortController();
  early.abort();
  await t.rejects(k.probe('b', early.signal, async (c) => c.n), /probe aborted/);
  t.equal(opened[1]!.closed, true, 'a connection that arrives after its probe was aborted is closed');
});
