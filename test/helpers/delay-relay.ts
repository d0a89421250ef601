/**
 * A loopback TCP relay that holds every server-to-client chunk for `delayMs` before passing
 * it on: a slow host in front of a real one, for routing tests and benchmarks. Equal delays
 * keep chunks in order. A connection whose upstream cannot be reached is closed at once.
 */
import net from 'node:net';

export interface DelayRelay {
  readonly port: number;
  delayMs: number;
  close(): Promise<void>;
}

export async function startDelayRelay(targetPort: number, delayMs = 0): Promise<DelayRelay> {
  const sockets = new Set<net.Socket>();
  // Mutable here; callers see `port` read-only once it is bound.
  const relay = { port: 0, delayMs, close };
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => { sockets.delete(s); client.destroy(); upstream.destroy(); });
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (relay.delayMs <= 0) client.write(chunk);
      else setTimeout(() => { if (!client.destroyed) client.write(chunk); }, relay.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.port = (server.address() as net.AddressInfo).port;

  function close(): Promise<void> {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }
  return relay;
}
