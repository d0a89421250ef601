/** A free TCP port on 127.0.0.1 for a server a test starts itself. */
import { createServer } from 'node:net';

export function freePortForTest(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
