// Test double of a MongoDB server (no MongoDB can run here), implementing exactly: the OP_QUERY legacy hello (ismaster) handshake with an OP_REPLY, then over OP_MSG: hello/isMaster/ismaster, ping, listDatabases, listCollections, listIndexes, count (no query: the collection's size), aggregate with a single $sample stage (all results in the first batch, cursor id 0, so no getMore/killCursors), endSessions.
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Long, deserialize, serialize, type Document } from 'bson';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;

export interface CollectionData { docs: Document[]; indexes: Document[]; view?: boolean }

export interface MongoDouble {
  readonly host: string;
  readonly port: number;
  /** Collections by database name, then collection name; tests change them between runs. */
  readonly databases: Map<string, Map<string, CollectionData>>;
  /** Command names received, in order. */
  readonly commands: string[];
  close(): Promise<void>;
}

const cursor = (ns: string, firstBatch: Document[]) => ({ cursor: { id: Long.ZERO, ns, firstBatch }, ok: 1 });

export async function startMongoDouble(): Promise<MongoDouble> {
  const databases = new Map<string, Map<string, CollectionData>>();
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  let connectionId = 0;

  function run(cmd: Document, id: number): Document {
    const name = Object.keys(cmd)[0] ?? '';
    commands.push(name);
    const db = String(cmd.$db ?? 'admin');
    const collections = databases.get(db);
    switch (name) {
      case 'hello': case 'isMaster': case 'ismaster':
        // No topologyVersion: the driver then polls rather than streams hello replies.
        return {
          helloOk: true, ismaster: true, isWritablePrimary: true, maxBsonObjectSize: 16 * 1024 * 1024, maxMessageSizeBytes: 48_000_000,
          maxWriteBatchSize: 100_000, localTime: new Date(), logicalSessionTimeoutMinutes: 30, connectionId: id, minWireVersion: 0, maxWireVersion: 21, readOnly: false, ok: 1,
        };
      case 'ping': case 'endSessions':
        return { ok: 1 };
      case 'listDatabases':
        return { databases: [...databases.keys()].map((n) => ({ name: n, sizeOnDisk: 8192, empty: false })), totalSize: 8192 * databases.size, ok: 1 };
      case 'listCollections':
        return cursor(`${db}.$cmd.listCollections`, [...collections ?? []].map(([n, c]) => ({ name: n, type: c.view ? 'view' : 'collection', options: {}, info: { readOnly: c.view === true } })));
      case 'listIndexes': {
        const c = collections?.get(String(cmd.listIndexes));
        if (!c) return { ok: 0, errmsg: `ns does not exist: ${db}.${String(cmd.listIndexes)}`, code: 26, codeName: 'NamespaceNotFound' };
        return cursor(`${db}.${String(cmd.listIndexes)}`, [{ v: 2, key: { _id: 1 }, name: '_id_' }, ...c.indexes]);
      }
      case 'count':
        return { n: collections?.get(String(cmd.count))?.docs.length ?? 0, ok: 1 };
      case 'aggregate': {
        const pipeline = (cmd.pipeline ?? []) as Document[];
        const size = pipeline.length === 1 ? (pipeline[0]?.$sample as { size?: unknown } | undefined)?.size : undefined;
        if (typeof size !== 'number') return { ok: 0, errmsg: 'this double implements only a single $sample stage', code: 40324, codeName: 'Location40324' };
        // A real server picks at random; stored order is enough for schema inference and keeps tests exact.
        return cursor(`${db}.${String(cmd.aggregate)}`, (collections?.get(String(cmd.aggregate))?.docs ?? []).slice(0, size));
      }
      default:
        return { ok: 0, errmsg: `no such command: '${name}'`, code: 59, codeName: 'CommandNotFound' };
    }
  }

  function frame(requestId: number, opCode: number, body: Buffer): Buffer {
    const header = Buffer.alloc(16);
    header.writeInt32LE(16 + body.length, 0);
    header.writeInt32LE(0, 4);
    // responseTo: the id of the request this answers.
    header.writeInt32LE(requestId, 8);
    header.writeInt32LE(opCode, 12);
    return Buffer.concat([header, body]);
  }

  function reply(message: Buffer, id: number): Buffer | null {
    const requestId = message.readInt32LE(4);
    const opCode = message.readInt32LE(12);
    if (opCode === OP_QUERY) {
      // flags, then the collection name as a C string, then skip and limit, then the command.
      const nameEnd = message.indexOf(0, 20);
      const doc = run(deserialize(message.subarray(nameEnd + 9)), id);
      const head = Buffer.alloc(20);
      head.writeInt32LE(1, 16);
      return frame(requestId, OP_REPLY, Buffer.concat([head, serialize(doc)]));
    }
    if (opCode !== OP_MSG || message[20] !== 0) return null;
    const doc = run(deserialize(message.subarray(21, 21 + message.readInt32LE(21))), id);
    return frame(requestId, OP_MSG, Buffer.concat([Buffer.alloc(5), serialize(doc)]));
  }

  const server = createServer((socket) => {
    sockets.add(socket);
    const id = ++connectionId;
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const length = pending.readInt32LE(0);
        const out = reply(pending.subarray(0, length), id);
        pending = pending.subarray(length);
        if (out === null) {
          socket.destroy();
          return;
        }
        socket.write(out);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1', port, databases, commands,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
