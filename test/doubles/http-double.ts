// Test double support (not a double itself): a tiny HTTP server on an ephemeral 127.0.0.1 port for the doubles of Vault, AWS and Azure.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DoubleRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface DoubleReply { status: number; body?: unknown; headers?: Record<string, string> }

export type DoubleHandler = (req: DoubleRequest) => DoubleReply | Promise<DoubleReply>;

export interface HttpDouble {
  readonly url: string;
  /** "METHOD /path" of every request, in order. */
  readonly calls: string[];
  close(): Promise<void>;
}

export async function startHttpDouble(handler: DoubleHandler): Promise<HttpDouble> {
  const calls: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://double');
      calls.push(`${req.method ?? ''} ${url.pathname}`);
      Promise.resolve(handler({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }))
        .then((reply) => {
          const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
          res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
          res.end(text);
        }, (err: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [String(err)] }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
