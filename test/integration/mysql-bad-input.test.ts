/**
 * Bad input on Sluice's MySQL listener, over raw sockets, in front of the machine's MariaDB:
 * a garbage handshake, a stalled one, a command with the wrong sequence id, a packet over
 * max_packet_size, an unknown command and random bytes after login each get a MySQL ERR
 * packet with a real error number or a close, and the gateway keeps serving other clients.
 */
import net from 'node:net';
import fc from 'fast-check';
import mysql from 'mysql2/promise';
import t, { type Test } from 'tap';
import { ERR_HEADER, OK_HEADER } from '../../src/wire/mysql/constants.js';
import { nativePasswordToken } from '../../src/wire/mysql/auth.js';
import { parseHandshakeV10 } from '../../src/wire/mysql/handshake.js';
import { buildHandshakeResponse } from '../../src/wire/mysql/handshake-response.js';
import { parseErr } from '../../src/wire/mysql/packets.js';
import { CLIENT_PLUGIN_AUTH, CLIENT_PROTOCOL_41, CLIENT_SECURE_CONNECTION, CLIENT_TRANSACTIONS } from '../../src/wire/mysql/constants.js';
import { MYSQL_DB, MYSQL_PASSWORD, MYSQL_USER, ensureMysqlFixtures, startMysqlSluice } from '../helpers/mysql-sluice.js';

await ensureMysqlFixtures();
const s = await startMysqlSluice({ size: 2, listener: 'client_login_timeout: 300ms, max_packet_size: 16384' });
t.teardown(() => s.stop());

/** A raw client: whole packets as they come, and the close. */
class Raw {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => { this.buf = Buffer.concat([this.buf, d]); this.wake(); });
    socket.on('close', () => { this.closed = true; this.wake(); });
    socket.on('error', () => undefined);
  }
  private wake(): void { for (const w of this.waiters.splice(0)) w(); }
  static open(): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(s.port, '127.0.0.1', () => resolve(new Raw(socket)));
      socket.once('error', reject);
    });
  }
  /** The next packet's payload, or null once the connection closed without one. */
  async packet(): Promise<{ seq: number; payload: Buffer } | null> {
    for (;;) {
      if (this.buf.length >= 4) {
        const len = this.buf.readUIntLE(0, 3);
        if (this.buf.length >= 4 + len) {
          const p = { seq: this.buf[3]!, payload: this.buf.subarray(4, 4 + len) };
          this.buf = this.buf.subarray(4 + len);
          return p;
        }
      }
      if (this.closed) return null;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
  async closedNow(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
  }
  /** Greeting, then a native-password login; resolves once the OK came. */
  static async login(): Promise<Raw> {
    const raw = await Raw.open();
    const greeting = parseHandshakeV10((await raw.packet())!.payload);
    raw.socket.write(buildHandshakeResponse({
      capabilities: CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH | CLIENT_TRANSACTIONS,
      username: MYSQL_USER, authResponse: nativePasswordToken(MYSQL_PASSWORD, greeting.scramble), authPluginName: 'mysql_native_password',
    }, 1));
    const ok = await raw.packet();
    if (ok?.payload[0] !== OK_HEADER) throw new Error('login failed');
    return raw;
  }
}

function frame(payload: Buffer | number[], seq = 0): Buffer {
  const p = Buffer.from(payload);
  const h = Buffer.alloc(4);
  h.writeUIntLE(p.length, 0, 3);
  h[3] = seq;
  return Buffer.concat([h, p]);
}

async function stillServes(t: Test): Promise<void> {
  const c = await mysql.createConnection({ host: '127.0.0.1', port: s.port, user: MYSQL_USER, password: MYSQL_PASSWORD, database: MYSQL_DB });
  const [rows] = await c.query('SELECT 1 AS one');
  t.same(rows, [{ one: 1 }], 'another client is served');
  await c.end();
}



t.test('garbage instead of a handshake response: ERR 1043 and close', async (t) => {
  const raw = await Raw.open();
  await raw.packet();
  raw.socket.write(frame([1, 2, 3], 1));
  const err = await raw.packet();
  t.equal(err?.payload[0], ERR_HEADER);
  t.equal(parseErr(err!.payload).errno, 1043);
  await raw.closedNow();
  await stillServes(t);
});

t.test('a stalled handshake is closed at client_login_timeout', async (t) => {
  const raw = await Raw.open();
  await raw.packet();
  const err = await raw.packet();
  t.equal(parseErr(err!.payload).errno, 1043);
  await raw.closedNow();
  t.pass('closed');
});

t.test('wrong sequence id: ERR 1156 and close', async (t) => {
  const raw = await Raw.login();
  raw.socket.write(frame([0x03, ...Buffer.from('SELECT 1')], 7));
  const err = await raw.packet();
  t.equal(parseErr(err!.payload).errno, 1156);
  await raw.closedNow();
  await stillServes(t);
});

t.test('a packet over max_packet_size: ERR 1153 and close', async (t) => {
  const raw = await Raw.login();
  raw.socket.write(frame(Buffer.alloc(20000, 0x20)));
  const err = await raw.packet();
  t.equal(parseErr(err!.payload).errno, 1153);
  await raw.closedNow();
  await stillServes(t);
});

t.test('an unknown command: ERR 1047, the session goes on', async (t) => {
  const raw = await Raw.login();
  raw.socket.write(frame([0x55]));
  const err = await raw.packet();
  t.equal(parseErr(err!.payload).errno, 1047);
  raw.socket.write(frame([0x0e]));
  const ok = await raw.packet();
  t.equal(ok?.payload[0], OK_HEADER, 'COM_PING answered after the error');
  raw.socket.destroy();
});

t.test('random bytes after login never take the gateway down', async (t) => {
  await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
    const raw = await Raw.login();
    raw.socket.write(Buffer.from(bytes));
    raw.socket.end();
    await raw.closedNow();
  }), { numRuns: 30 });
  await stillServes(t);
});
