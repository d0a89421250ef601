/** The TLS handshake gate: free while the event loop has headroom, paced and in order while it is busy. */
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { HandshakeGate } from '../../src/proxy/tls/handshake-gate.js';

/** Keep the event loop fully busy for `ms`, as a burst of established traffic would. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

async function spinFor(ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    spin(9);
    await new Promise((r) => setImmediate(r));
  }
}

t.test('an idle loop starts every handshake at once', async (t) => {
  const gate = new HandshakeGate(10);
  await sleep(150);
  const started: number[] = [];
  for (let i = 0; i < 50; i++) gate.admit(() => started.push(i), () => false);
  t.equal(started.length, 50);
  t.equal(gate.deferred, 0);
  t.equal(gate.queued, 0);
});

t.test('a busy loop defers handshakes past the rate, then starts them in arrival order', async (t) => {
  const gate = new HandshakeGate(10);
  spin(150);
  const started: number[] = [];
  for (let i = 0; i < 20; i++) gate.admit(() => started.push(i), () => false);
  t.equal(started.length, 1, 'one sample\'s worth of the rate starts at once');
  t.equal(gate.deferred, 19);
  t.equal(gate.queued, 19);
  await sleep(300);
  t.same(started, Array.from({ length: 20 }, (_, i) => i), 'the loop went idle: all started, first come first served');
  t.equal(gate.queued, 0);
});

t.test('while the loop stays busy the queue drains at the rate, not at once', async (t) => {
  const gate = new HandshakeGate(20);
  spin(150);
  const started: number[] = [];
  for (let i = 0; i < 40; i++) gate.admit(() => started.push(i), () => false);
  await spinFor(400);
  t.ok(started.length > 1, `some started while busy (${started.length})`);
  t.ok(started.length < 40, `not all started while busy (${started.length})`);
  await sleep(300);
  t.equal(started.length, 40);
});

t.test('a client that hung up while waiting is skipped', async (t) => {
  const gate = new HandshakeGate(10);
  spin(150);
  const started: number[] = [];
  const gone = new Set([2, 3]);
  for (let i = 0; i < 5; i++) gate.admit(() => started.push(i), () => gone.has(i));
  await sleep(300);
  t.same(started, [0, 1, 4]);
});

t.test('rate 0 never paces, and setting it to 0 releases the queue', async (t) => {
  const off = new HandshakeGate(0);
  spin(150);
  let n = 0;
  for (let i = 0; i < 10; i++) off.admit(() => n++, () => false);
  t.equal(n, 10);

  const gate = new HandshakeGate(10);
  spin(150);
  const started: number[] = [];
  for (let i = 0; i < 5; i++) gate.admit(() => started.push(i), () => false);
  t.equal(started.length, 1);
  gate.setRate(0);
  t.same(started, [0, 1, 2, 3, 4]);
  gate.close();
});
