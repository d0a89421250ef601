/**
 * COM_CHANGE_USER parsing: what buildChangeUser writes parses back under every capability mix,
 * and random or mutated bytes never throw anything but MysqlProtocolError.
 */
import fc from 'fast-check';
import t from 'tap';
import { MysqlProtocolError } from '../../src/errors.js';
import { buildChangeUser, parseChangeUser } from '../../src/wire/mysql/change-user.js';
import { CLIENT_CONNECT_ATTRS, CLIENT_PLUGIN_AUTH, CLIENT_PROTOCOL_41, CLIENT_SECURE_CONNECTION } from '../../src/wire/mysql/constants.js';

const name = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\0'));
const caps = fc.subarray([CLIENT_PROTOCOL_41, CLIENT_SECURE_CONNECTION, CLIENT_PLUGIN_AUTH, CLIENT_CONNECT_ATTRS]).map((bits) => bits.reduce((a, b) => a | b, CLIENT_PROTOCOL_41));

t.test('round trip', async (t) => {
  fc.assert(fc.property(name, fc.uint8Array({ maxLength: 40 }), name, fc.integer({ min: 1, max: 0xffff }), name, caps, (username, token, database, charset, plugin, c) => {
    // Without CLIENT_SECURE_CONNECTION the token is NUL-terminated, so it cannot hold a NUL.
    const auth = Buffer.from(c & CLIENT_SECURE_CONNECTION ? token : token.filter((b) => b !== 0));
    const packet = buildChangeUser({ username, authResponse: auth, database, charset, authPluginName: plugin }, c);
    const parsed = parseChangeUser(packet.subarray(4), c);
    t.equal(parsed.username, username);
    t.same(parsed.authResponse, auth);
    t.equal(parsed.database, database);
    t.equal(parsed.charset, charset);
    t.equal(parsed.authPluginName, c & CLIENT_PLUGIN_AUTH ? plugin : null);
  }), { numRuns: 200 });
  t.end();
});

t.test('bad bytes throw only MysqlProtocolError', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), caps, (bytes, c) => {
    try {
      parseChangeUser(Buffer.from([0x11, ...bytes]), c);
    } catch (err) {
      if (!(err instanceof MysqlProtocolError)) throw err;
    }
  }), { numRuns: 500 });
  t.throws(() => parseChangeUser(Buffer.from([0x03]), CLIENT_PROTOCOL_41), MysqlProtocolError);
  t.end();
});
