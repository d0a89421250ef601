/**
 * The MySQL codecs against the machine's MariaDB (127.0.0.1:3306, root without password),
 * over raw sockets: the real greeting parses; HandshakeResponse41 logs in (root with an empty
 * password; a temporary user with mysql_native_password, its token checked by the server and
 * by verifyNativePassword against the hash MariaDB stores; the AuthSwitchRequest MariaDB sends
 * to a client asking for caching_sha2_password); and the response tracker follows real
 * responses of every kind, with and without CLIENT_DEPRECATE_EOF: each is complete exactly
 * when the tracker says so, since the COM_PING sent next must be answered by an OK with
 * sequence id 1 and nothing before it. Every wait is bounded; sockets, the temporary user and
 * temporary tables go away at the end.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import t, { type Test } from 'tap';
import { MysqlProtocolError } from '../../src/errors.js';
import {
  AUTH_MORE_DATA_HEADER, CLIENT_CONNECT_ATTRS, CLIENT_CONNECT_WITH_DB, CLIENT_DEPRECATE_EOF, CLIENT_LOCAL_FILES, CLIENT_LONG_PASSWORD,
  CLIENT_MULTI_RESULTS, CLIENT_MULTI_STATEMENTS, CLIENT_PLUGIN_AUTH, CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA, CLIENT_PROTOCOL_41,
  CLIENT_PS_MULTI_RESULTS, CLIENT_SECURE_CONNECTION, CLIENT_SESSION_TRACK, CLIENT_TRANSACTIONS, EOF_HEADER, ERR_HEADER,
  MARIADB_CLIENT_PROGRESS, SERVER_STATUS_AUTOCOMMIT, SERVER_STATUS_CURSOR_EXISTS, SERVER_STATUS_IN_TRANS,
} from '../../src/wire/mysql/constants.js';
import {
  COM_FIELD_LIST, COM_INIT_DB, COM_PING, COM_QUERY, COM_RESET_CONNECTION, COM_SET_OPTION, COM_STATISTICS, COM_STMT_CLOSE,
  COM_STMT_EXECUTE, COM_STMT_FETCH, COM_STMT_PREPARE, COM_STMT_RESET, COM_STMT_SEND_LONG_DATA, CURSOR_TYPE_READ_ONLY,
} from '../../src/wire/mysql/commands.js';
import { parseAuthSwitchRequest } from '../../src/wire/mysql/auth-exchange.js';
import { cachingSha2Token, nativePasswordHash, nativePasswordToken, parseNativePasswordHash, verifyNativePassword } from '../../src/wire/mysql/auth.js';
import { type HandshakeV10, parseHandshakeV10 } from '../../src/wire/mysql/handshake.js';
import { buildHandshakeResponse } from '../../src/wire/mysql/handshake-response.js';
import { PACKET_FIRST, PacketFramer } from '../../src/wire/mysql/packet-framer.js';
import { PacketWriter } from '../../src/wire/mysql/packet-writer.js';
import { parseErr, parseOk } from '../../src/wire/mysql/packets.js';
import { PACKET_ERR, PACKET_LOCAL_INFILE, PACKET_OK, ResponseTracker } from '../../src/wire/mysql/response-tracker.js';
import { SequenceCounter } from '../../src/wire/mysql/sequence-id.js';

const HOST = '127.0.0.1';
const PORT = 3306;
const WAIT_MS = 5000;

interface Packet { seq: number; payload: Buffer }

/** A raw connection: whole server payloads in order (continuations joined), each wait bounded. */
class RawConn {
  private readonly packets: Packet[] = [];
  private waiter: (() => void) | null = null;
  private closed = false;
  private pending: Buffer[] = [];
  private constructor(private readonly socket: net.Socket) {
    const framer = new PacketFramer({
      onPacket: (seq, buf, start, end, part) => {
        if (part & PACKET_FIRST) this.pending = [];
        this.pending.push(Buffer.from(buf.subarray(start + 4, end)));
        if (end - start - 4 < 0xffffff) this.deliver({ seq, payload: Buffer.concat(this.pending) });
      },
      wantsStream: () => false,
      onStreamData: () => { throw new Error('not streamed'); },
    }, 64 << 20);
    socket.on('data', (c) => framer.push(c));
    socket.on('close', () => { this.closed = true; this.waiter?.(); });
    socket.on('error', () => undefined);
  }

  static connect(): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(PORT, HOST, () => {
        s.setTimeout(0);
        resolve(new RawConn(s));
      });
      s.setTimeout(WAIT_MS, () => s.destroy(new Error('connect timeout')));
      s.once('error', reject);
    });
  }

  private deliver(p: Packet): void {
    this.packets.push(p);
    this.waiter?.();
  }

  async next(): Promise<Packet> {
    const deadline = Date.now() + WAIT_MS;
    while (this.packets.length === 0) {
      if (this.closed) throw new Error('server closed the connection');
      if (Date.now() > deadline) throw new Error('no packet within the wait');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiter = () => { clearTimeout(timer); resolve(); };
      });
      this.waiter = null;
    }
    return this.packets.shift()!;
  }

  get idle(): boolean { return this.packets.length === 0; }

  write(packets: Buffer): void { this.socket.write(packets); }

  send(payload: Uint8Array, seq: number): void {
    this.socket.write(new PacketWriter(payload.length).bytes(payload).finish(seq));
  }

  close(): void { this.socket.destroy(); }
}

const BASE_CAPS = CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH | CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
  | CLIENT_TRANSACTIONS | CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS | CLIENT_PS_MULTI_RESULTS | CLIENT_SESSION_TRACK
  | CLIENT_CONNECT_ATTRS | CLIENT_LOCAL_FILES | CLIENT_CONNECT_WITH_DB;

interface Session { conn: RawConn; greeting: HandshakeV10; caps: number; ext: number }

/** Greeting, HandshakeResponse41 and its answer; returns the first packet after the response. */
async function login(t: Test, user: string, authResponse: Buffer | ((scramble: Buffer) => Buffer), options: { deprecateEof?: boolean; plugin?: string; database?: string | null } = {}): Promise<Session & { reply: Packet; seq: SequenceCounter }> {
  const conn = await RawConn.connect();
  t.teardown(() => conn.close());
  const seq = new SequenceCounter();
  const first = await conn.next();
  seq.check(first.seq);
  const greeting = parseHandshakeV10(first.payload);
  const database = options.database === undefined ? 'mysql' : options.database;
  const wanted = (BASE_CAPS & ~(database === null ? CLIENT_CONNECT_WITH_DB : 0)) | (options.deprecateEof ? CLIENT_DEPRECATE_EOF : 0);
  const caps = (wanted & greeting.capabilities) >>> 0;
  const ext = MARIADB_CLIENT_PROGRESS & greeting.mariadbCapabilities;
  const auth = typeof authResponse === 'function' ? authResponse(greeting.scramble) : authResponse;
  const response = buildHandshakeResponse({
    capabilities: caps, mariadbCapabilities: ext, username: user, authResponse: auth, database,
    authPluginName: options.plugin ?? 'mysql_native_password', connectAttributes: new Map([['_client_name', 'sluice-wire-test']]),
  }, seq.take());
  conn.write(response);
  const reply = await conn.next();
  seq.check(reply.seq);
  return { conn, greeting, caps, ext, reply, seq };
}

async function reachable(): Promise<boolean> {
  try {
    (await RawConn.connect()).close();
    return true;
  } catch {
    return false;
  }
}

const available = await reachable();
if (!available) t.comment(`no MariaDB at ${HOST}:${PORT}; skipping`);

/**
 * Send a command and follow its response with the tracker; then check it was really complete:
 * a COM_PING right after must be answered by an OK with sequence id 1, and nothing else.
 */
interface Exchange { packets: Packet[]; kind: number; status: number }

async function exchange(t: Test, s: Session, tracker: ResponseTracker, payload: Buffer, onInfile?: (conn: RawConn, seq: number) => number): Promise<Exchange> {
  const got: Packet[] = [];
  const seq = new SequenceCounter();
  s.conn.send(payload, seq.take());
  if (!tracker.begin(payload[0]!)) {
    const none = { packets: got, kind: tracker.lastPacket, status: tracker.statusFlags };
    await ping(t, s, tracker);
    return none;
  }
  for (;;) {
    const p = await s.conn.next();
    seq.check(p.seq);
    got.push(p);
    if (tracker.onPacket(p.payload, 0, Math.min(p.payload.length, 0xffffff), Math.min(p.payload.length, 0xffffff))) break;
    if (tracker.awaitingClientData) seq.reset(onInfile!(s.conn, seq.expected));
  }
  const result = { packets: got, kind: tracker.lastPacket, status: tracker.statusFlags };
  await ping(t, s, tracker);
  return result;
}

async function ping(t: Test, s: Session, tracker: ResponseTracker): Promise<void> {
  t.ok(s.conn.idle, 'nothing left of the response');
  tracker.begin(COM_PING);
  s.conn.send(Buffer.from([COM_PING]), 0);
  const p = await s.conn.next();
  t.equal(p.seq, 1);
  t.ok(tracker.onPacket(p.payload, 0, p.payload.length, p.payload.length) && tracker.lastPacket === PACKET_OK, 'the ping answered with OK');
}

const query = (sql: string): Buffer => Buffer.concat([Buffer.from([COM_QUERY]), Buffer.from(sql)]);

t.test('the greeting and root login', { skip: !available }, async (t) => {
  const s = await login(t, 'root', Buffer.alloc(0));
  t.match(s.greeting.serverVersion, /MariaDB/);
  t.equal(s.greeting.capabilities & CLIENT_LONG_PASSWORD, 0, 'MariaDB: CLIENT_MYSQL clear');
  t.ok(s.greeting.mariadbCapabilities & MARIADB_CLIENT_PROGRESS, 'the extension word is there');
  t.equal(s.greeting.scramble.length, 20);
  t.equal(s.greeting.authPluginName, 'mysql_native_password');
  t.equal(s.reply.payload[0], 0, 'OK');
  const ok = parseOk(s.reply.payload, s.caps);
  t.ok(ok.statusFlags & SERVER_STATUS_AUTOCOMMIT);
});

for (const deprecateEof of [false, true]) {
  t.test(`the tracker follows real responses (CLIENT_DEPRECATE_EOF ${deprecateEof ? 'on' : 'off'})`, { skip: !available }, async (t) => {
    const s = await login(t, 'root', Buffer.alloc(0), { deprecateEof });
    t.equal(s.reply.payload[0], 0);
    t.equal((s.caps & CLIENT_DEPRECATE_EOF) !== 0, deprecateEof);
    const tracker = new ResponseTracker(s.caps, s.ext, parseOk(s.reply.payload, s.caps).statusFlags);

    const one = (await exchange(t, s, tracker, query('SELECT 1'))).packets;
    t.equal(one.length, deprecateEof ? 4 : 5, 'count, definition, [EOF,] row, end');

    const multi = await exchange(t, s, tracker, query('SELECT 1 AS a; SELECT 2; DO 1'));
    t.equal(multi.kind, PACKET_OK, 'DO ends with an OK');
    t.ok(multi.packets.length > 6);

    await exchange(t, s, tracker, query('SELECT * FROM information_schema.COLLATIONS'));
    const big = (await exchange(t, s, tracker, query("SELECT REPEAT('x', 70000) AS big, NULL AS n"))).packets;
    t.ok(big.some((p) => p.payload.length > 70000), 'a row longer than 64 KB');

    t.equal((await exchange(t, s, tracker, query('SELECT nope'))).kind, PACKET_ERR);
    const mid = (await exchange(t, s, tracker, query('SELECT 1; SELECT nope; SELECT 2'))).packets;
    t.equal(parseErr(mid.at(-1)!.payload).errno, 1054, 'the ERR of the second statement ends the response');

    t.ok((await exchange(t, s, tracker, query('BEGIN'))).status & SERVER_STATUS_IN_TRANS, 'BEGIN sets SERVER_STATUS_IN_TRANS');
    t.ok(tracker.inTransaction && !tracker.releasable, 'not releasable inside a transaction (the ping says so too)');
    t.ok((await exchange(t, s, tracker, query('SELECT 1'))).status & SERVER_STATUS_IN_TRANS, 'the end of a resultset carries the transaction flag');
    t.notOk((await exchange(t, s, tracker, query('COMMIT'))).status & SERVER_STATUS_IN_TRANS);
    t.ok(tracker.releasable);

    // Session tracking: the server reports what SET and USE changed.
    const set = (await exchange(t, s, tracker, query("SET time_zone = '+02:00'"))).packets;
    t.same(parseOk(set[0]!.payload, s.caps).sessionStateChanges, [{ type: 'system_variable', name: 'time_zone', value: '+02:00' }]);
    const use = (await exchange(t, s, tracker, query('USE information_schema'))).packets;
    t.same(parseOk(use[0]!.payload, s.caps).sessionStateChanges.filter((c) => c.type === 'schema'), [{ type: 'schema', name: 'information_schema' }]);
    await exchange(t, s, tracker, Buffer.concat([Buffer.from([COM_INIT_DB]), Buffer.from('mysql')]));
    t.equal((await exchange(t, s, tracker, Buffer.concat([Buffer.from([COM_INIT_DB]), Buffer.from('no_such_db_sluice')]))).kind, PACKET_ERR);

    // LAST_INSERT_ID from the OK packet.
    await exchange(t, s, tracker, query('CREATE TEMPORARY TABLE sluice_wire_t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20))'));
    const ins = (await exchange(t, s, tracker, query("INSERT INTO sluice_wire_t (v) VALUES ('a'), ('b')"))).packets;
    const insOk = parseOk(ins[0]!.payload, s.caps);
    t.same([insOk.affectedRows, insOk.lastInsertId], [2n, 1n]);

    // LOAD DATA LOCAL INFILE: the server asks, the client sends the file and an empty packet.
    const infile = (await exchange(t, s, tracker, query("LOAD DATA LOCAL INFILE 'data.txt' INTO TABLE sluice_wire_t (v)"), (conn, seq) => {
      t.equal(tracker.lastPacket, PACKET_LOCAL_INFILE);
      conn.send(Buffer.from('c\nd\n'), seq);
      tracker.onClientPacket(4);
      conn.send(Buffer.alloc(0), seq + 1);
      tracker.onClientPacket(0);
      return seq + 2;
    })).packets;
    t.equal(parseOk(infile.at(-1)!.payload, s.caps).affectedRows, 2n, 'two rows loaded');

    // Field list, statistics, set option, reset.
    await exchange(t, s, tracker, Buffer.concat([Buffer.from([COM_FIELD_LIST]), Buffer.from('sluice_wire_t\0')]));
    await exchange(t, s, tracker, Buffer.from([COM_STATISTICS]));
    await exchange(t, s, tracker, Buffer.from([COM_SET_OPTION, 0, 0]));

    // Prepared statements: prepare, execute (binary rows), cursor and fetch, long data, reset, close.
    const prepared = (await exchange(t, s, tracker, Buffer.concat([Buffer.from([COM_STMT_PREPARE]), Buffer.from('SELECT id, v, ? AS p FROM sluice_wire_t WHERE id > ?')]))).packets;
    t.same([tracker.paramCount, tracker.columnCount], [2, 3]);
    t.equal(prepared.length, 1 + 2 + 3 + (deprecateEof ? 0 : 2));
    const id = tracker.statementId;
    const execute = (flags: number): Buffer => new PacketWriter().u8(COM_STMT_EXECUTE).u32(id).u8(flags).u32(1).u8(0).u8(1)
      .u16(0x08).u16(0x08).bytes(Buffer.from([7, 0, 0, 0, 0, 0, 0, 0])).bytes(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0])).payload();
    const rows = (await exchange(t, s, tracker, Buffer.from(execute(0)))).packets;
    t.equal(rows.filter((p) => p.payload[0] === 0x00).length, 4, 'four binary rows');
    t.ok((await exchange(t, s, tracker, Buffer.from(execute(CURSOR_TYPE_READ_ONLY)))).status & SERVER_STATUS_CURSOR_EXISTS, 'a cursor: the rows wait for COM_STMT_FETCH');
    const fetched = (await exchange(t, s, tracker, Buffer.from(new PacketWriter().u8(COM_STMT_FETCH).u32(id).u32(100).payload()))).packets;
    t.equal(fetched.length, 5, 'four rows and the end');
    await exchange(t, s, tracker, Buffer.from(new PacketWriter().u8(COM_STMT_SEND_LONG_DATA).u32(id).u16(0).string('long').payload()));
    await exchange(t, s, tracker, Buffer.from(new PacketWriter().u8(COM_STMT_RESET).u32(id).payload()));
    await exchange(t, s, tracker, Buffer.from(new PacketWriter().u8(COM_STMT_CLOSE).u32(id).payload()));
    await exchange(t, s, tracker, query('DROP TEMPORARY TABLE sluice_wire_t'));

    t.equal((await exchange(t, s, tracker, Buffer.from([COM_RESET_CONNECTION]))).kind, PACKET_OK);
  });
}

t.test('mysql_native_password with a real stored hash, and the switch from caching_sha2_password', { skip: !available }, async (t) => {
  const user = `sluice_wire_${process.pid}`;
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const root = await login(t, 'root', Buffer.alloc(0));
  const tracker = new ResponseTracker(root.caps, root.ext);
  t.equal((await exchange(t, root, tracker, query(`CREATE USER '${user}'@'${HOST}' IDENTIFIED VIA mysql_native_password USING PASSWORD('${password}')`))).kind, PACKET_OK, 'temporary user created');
  t.teardown(async () => {
    const c = await login(t, 'root', Buffer.alloc(0));
    c.conn.send(query(`DROP USER IF EXISTS '${user}'@'${HOST}'`), 0);
    await c.conn.next();
    c.conn.close();
  });
  const { packets: rows } = await exchange(t, root, tracker, query(`SELECT authentication_string, PASSWORD('${password}') FROM mysql.user WHERE user = '${user}'`));
  const row = rows.find((p) => p.payload[0] === 0x29)!;
  const stored = parseNativePasswordHash(row.payload.subarray(1, 42).toString('latin1'));
  t.same(stored, nativePasswordHash(password), 'the hash MariaDB stores is SHA1(SHA1(password))');
  t.equal(row.payload.subarray(43).toString('latin1'), `*${nativePasswordHash(password).toString('hex').toUpperCase()}`, 'and PASSWORD() agrees');

  let token: Buffer = Buffer.alloc(0);
  let scramble: Buffer = Buffer.alloc(0);
  // No database: the user may not open mysql, and CLIENT_CONNECT_WITH_DB is left out.
  const good = await login(t, user, (s) => {
    scramble = s;
    token = nativePasswordToken(password, s);
    return token;
  }, { database: null });
  t.equal(good.reply.payload[0], 0, `the server accepts the token ${good.reply.payload[0] === ERR_HEADER ? parseErr(good.reply.payload).message : ''}`);
  t.ok(verifyNativePassword(token, scramble, stored!), 'and so does Sluice, from the stored hash');

  const bad = await login(t, user, (s) => nativePasswordToken('wrong', s), { database: null });
  t.equal(bad.reply.payload[0], ERR_HEADER);
  t.equal(parseErr(bad.reply.payload).errno, 1045, 'access denied');

  // A client that asks for caching_sha2_password: MariaDB switches it to mysql_native_password.
  const sw = await login(t, user, (s) => cachingSha2Token(password, s), { plugin: 'caching_sha2_password', database: null });
  t.equal(sw.reply.payload[0], EOF_HEADER, 'AuthSwitchRequest');
  const req = parseAuthSwitchRequest(sw.reply.payload);
  t.equal(req.pluginName, 'mysql_native_password');
  t.equal(req.pluginData.length, 20);
  sw.conn.send(nativePasswordToken(password, req.pluginData), sw.seq.take());
  const done = await sw.conn.next();
  sw.seq.check(done.seq);
  t.equal(done.payload[0], 0, 'OK after the switch');
  t.not(done.payload[0], AUTH_MORE_DATA_HEADER);
});

t.test('a wrong sequence id is refused by the server as the codec refuses it', { skip: !available }, async (t) => {
  const s = await login(t, 'root', Buffer.alloc(0));
  s.conn.send(query('SELECT 1'), 5);
  const p = await s.conn.next();
  const err = parseErr(p.payload);
  const ours = new MysqlProtocolError('x', 1156);
  t.equal(err.errno, ours.errno, 'ER_NET_PACKETS_OUT_OF_ORDER');
  t.equal(err.sqlState, ours.sqlState);
});
