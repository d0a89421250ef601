/**
 * How an accepted socket's bytes reach its protocol. By default through 'data' events, where
 * Node allocates a buffer (and an ArrayBuffer, and a stream push) for every read. A protocol
 * on the hot path may instead take reads into one buffer shared by all its client sockets
 * (Node's `onread`): libuv reads one socket at a time and hands the bytes over synchronously,
 * so one buffer serves them all, provided the protocol copies whatever it keeps past the
 * call. Callgrind put that at ~11% fewer instructions per transaction in the PostgreSQL
 * proxy's event loop (pgbench select-only, docs/benchmarks.md).
 */
import net from 'node:net';

export interface AcceptedInput {
  /** Where the socket's bytes go from now on. */
  deliverTo(onData: (chunk: Buffer) => void): void;
  /**
   * True: each chunk is a view of a buffer that the next read (of any socket) overwrites, so
   * the receiver copies what it keeps beyond the call, including bytes it writes elsewhere.
   */
  readonly borrowed: boolean;
}

/** The accepted socket read the usual way, through 'data' events. */
export function dataEvents(socket: net.Socket): AcceptedInput {
  let sink: (chunk: Buffer) => void = ignoreInput;
  let listening = false;
  return {
    borrowed: false,
    deliverTo(onData) {
      sink = onData;
      if (listening) return;
      listening = true;
      socket.on('data', (chunk: Buffer) => sink(chunk));
    },
  };
}

const SHARED_READ_SIZE = 64 * 1024;
const shared = Buffer.allocUnsafe(SHARED_READ_SIZE);
const takeShared = (): Buffer => shared;

/** A sink for a socket whose bytes no longer matter here (e.g. TLS reads its handle now). */
export function ignoreInput(): void {}

/** The private fields of an accepted net.Socket that adoption needs. */
interface AcceptedInternals { _handle?: unknown }

/**
 * The accepted socket rebuilt on its own handle with `onread` (net.createServer offers no
 * `onread`, and a socket takes it only at construction). The listener must accept with
 * pauseOnConnect so the first socket never started reading. Where the handle is not there
 * (a Node whose internals moved), the socket is read through 'data' events as before.
 */
export function adoptWithSharedReads(accepted: net.Socket): { socket: net.Socket; input: AcceptedInput } {
  const internals = accepted as unknown as AcceptedInternals;
  const handle = internals._handle;
  if (handle === null || handle === undefined) {
    accepted.resume();
    return { socket: accepted, input: dataEvents(accepted) };
  }
  let sink: (chunk: Buffer) => void = ignoreInput;
  const socket = new net.Socket({
    handle, readable: true, writable: true,
    onread: { buffer: takeShared, callback: (n: number, buf: Uint8Array) => { sink((buf as Buffer).subarray(0, n)); return true; } },
  } as net.SocketConstructorOpts);
  // The first socket object lets go of the handle (so it can never close it) and is done:
  // destroying it settles the server's connection count, which the new socket does not join.
  internals._handle = null;
  accepted.destroy();
  return { socket, input: { borrowed: true, deliverTo(onData) { sink = onData; } } };
}
