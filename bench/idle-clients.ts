/**
 * Many idle PostgreSQL clients from one process, for a pooler's memory per connection. A
 * raw socket per client (StartupMessage, read until ReadyForQuery, then stay quiet) costs a
 * few KiB where a `pg.Client` costs far more, so 10,000 of them fit in the bench process.
 * Trust auth only: anything but AuthenticationOk is a failure.
 */
import { connect, type Socket } from 'node:net';

export interface IdleClients {
  readonly count: number;
  close(): void;
}

const PROTOCOL_3_0 = 196608;
/** Connects in flight at once: more only overflows the listen backlog and waits on SYN retries. */
const CONCURRENCY = 200;
const LOGIN_TIMEOUT_MS = 30_000;

/** Opens `count` logged-in clients; on the first failure closes them all and rejects. */
export async function openIdleClients(port: number, count: number, user: string, database: string): Promise<IdleClients> {
  const sockets: Socket[] = [];
  const close = (): void => { for (const s of sockets) s.destroy(); };
  const startup = startupMessage({ user, database, application_name: 'sluice-bench-idle' });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      sockets.push(await login(port, startup));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
  } catch (err) {
    close();
    throw err;
  }
  return { count: sockets.length, close };
}

function startupMessage(params: Record<string, string>): Buffer {
  const body = Buffer.from(Object.entries(params).map(([k, v]) => `${k}\0${v}\0`).join('') + '\0');
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + body.length, 0);
  header.writeInt32BE(PROTOCOL_3_0, 4);
  return Buffer.concat([header, body]);
}

function login(port: number, startup: Buffer): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffered: Buffer = Buffer.alloc(0);
    const fail = (reason: string): void => {
      socket.destroy();
      reject(new Error(`idle client login failed: ${reason}`));
    };
    const timer = setTimeout(() => fail(`no ReadyForQuery within ${LOGIN_TIMEOUT_MS} ms`), LOGIN_TIMEOUT_MS);
    socket.once('connect', () => socket.write(startup));
    socket.once('error', (err) => { clearTimeout(timer); fail(err.message); });
    socket.on('data', function onData(chunk: Buffer) {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 5) {
        const type = String.fromCharCode(buffered[0] ?? 0);
        const length = buffered.readInt32BE(1);
        if (buffered.length < 1 + length) return;
        const body = buffered.subarray(5, 1 + length);
        buffered = buffered.subarray(1 + length);
        if (type === 'E') { clearTimeout(timer); fail(errorText(body)); return; }
        if (type === 'R' && body.readInt32BE(0) !== 0) { clearTimeout(timer); fail(`server asked for authentication ${body.readInt32BE(0)}; idle clients need trust`); return; }
        if (type === 'Z') {
          clearTimeout(timer);
          socket.off('data', onData);
          // Errors after login (the pooler closing us) must not crash the bench.
          socket.on('error', () => undefined);
          resolve(socket);
          return;
        }
      }
    });
  });
}

/** The M (message) field of an ErrorResponse. */
function errorText(body: Buffer): string {
  for (let at = 0; at < body.length && body[at] !== 0;) {
    const end = body.indexOf(0, at + 1);
    if (body[at] === 0x4d) return body.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return 'ErrorResponse';
}
