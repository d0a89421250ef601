/**
 * Child process that serves one PGlite database on 127.0.0.1:<port> through pglite-socket.
 * It runs apart from the gateway because PGlite executes each query synchronously in WASM on
 * the thread that owns it: in-process, one slow query would stall every client of Sluice.
 *
 * Started by embedded/pglite.ts with `--port N --data-dir DIR` ('' = in memory) and an IPC
 * channel: it sends { type: 'ready' } once listening and exits when the parent goes away.
 */
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PGLITE_MAX_CONNECTIONS, type ChildMessage } from './pglite-protocol.js';

const { values } = parseArgs({ options: { port: { type: 'string' }, 'data-dir': { type: 'string', default: '' } } });
const port = Number(values.port);
const dataDir = values['data-dir'] ?? '';

// Handlers go in before the (slow) database start, so that a parent that goes away during
// it does not leave an orphan child listening on the port.
let close = async (): Promise<void> => undefined;
let closing = false;
function shutdown(): void {
  if (closing) return;
  closing = true;
  void close().finally(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.on('disconnect', shutdown);

const db = await PGlite.create(dataDir === '' ? 'memory://' : dataDir);

// pglite-socket's query queue stops for good once PGlite throws (its "processing" flag is
// never cleared), and PGlite throws when its backend exits on a FATAL error, which a client
// sending COPY FROM STDIN causes: the backend reads past the one message it was handed. A
// child that can no longer answer must not look alive, so it exits and the supervisor
// starts a fresh one (data_dir keeps what was committed; an in-memory database is lost).
const execProtocolRawStream = db.execProtocolRawStream.bind(db);
db.execProtocolRawStream = async (...args: Parameters<typeof execProtocolRawStream>) => {
  try {
    return await execProtocolRawStream(...args);
  } catch (err) {
    // stderr is synchronous for pipes on Linux, so this line reaches the supervisor's log.
    console.error(`PGlite failed and cannot serve any further query: ${describe(err)}`);
    process.exit(70);
  }
};
const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: PGLITE_MAX_CONNECTIONS });

// PGlite is one backend for every socket: prepared statements, SET values and temp tables
// of a closed connection would otherwise greet the next one (a re-prepared statement name
// then fails with "already exists"). The reset is queued on PGlite's mutex when the
// connection is accepted, before the client's startup message can reach it.
server.addEventListener('connection', () => {
  void resetSession().catch((err: unknown) => send({ type: 'warning', message: `session reset failed: ${String(err)}` }));
});

async function resetSession(): Promise<void> {
  if (db.isInTransaction()) await db.exec('ROLLBACK');
  await db.exec('DISCARD ALL');
}

/** PGlite's ExitStatus is a plain object with a message, not an Error. */
function describe(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err) return String(err.message);
  return String(err);
}

function send(message: ChildMessage): void {
  if (process.connected) process.send?.(message);
}

// Closing the database flushes it to data_dir; a kill without this may lose the last writes.
close = async () => {
  await server.stop();
  await db.close();
};
await server.start();
send({ type: 'ready', port });
