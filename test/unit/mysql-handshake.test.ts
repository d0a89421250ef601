// Tests of the handshake packets: HandshakeV10 (the greeting), HandshakeResponse41, the
// SSLRequest, AuthSwitchRequest and AuthMoreData. Properties: each builder's output parses back
// to what was built, for all capabilities, strings, scrambles and attributes; arbitrary payloads
// make the parsers throw nothing but MysqlProtocolError. Examples: the greeting a MariaDB 10.11
// server sent (its extension capability word included), a server's refusal instead of a greeting.
import fc from 'fast-check';
import t from 'tap';
import { MysqlProtocolError } from '../../src/errors.js';
import {
  buildAuthMoreData, buildAuthSwitchRequest, parseAuthMoreData, parseAuthSwitchRequest,
} from '../../src/wire/mysql/auth-exchange.js';
import {
  CLIENT_CONNECT_ATTRS, CLIENT_CONNECT_WITH_DB, CLIENT_LONG_PASSWORD, CLIENT_PLUGIN_AUTH,
  CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA, CLIENT_PROTOCOL_41, CLIENT_SECURE_CONNECTION, CLIENT_SSL,
  MARIADB_CLIENT_CACHE_METADATA, MARIADB_CLIENT_EXTENDED_METADATA, MARIADB_CLIENT_PROGRESS, MARIADB_CLIENT_STMT_BULK_OPERATIONS,
} from '../../src/wire/mysql/constants.js';
import { ER_HANDSHAKE_ERROR, buildHandshakeV10, parseHandshakeV10 } from '../../src/wire/mysql/handshake.js';
import {
  buildHandshakeResponse, buildSslRequest, isSslRequest, parseHandshakeResponse,
} from '../../src/wire/mysql/handshake-response.js';
import { buildErr } from '../../src/wire/mysql/packets.js';

const payloadOf = (packet: Buffer): Buffer => packet.subarray(4);
const cstring = (max: number): fc.Arbitrary<string> => fc.string({ maxLength: max }).map((s) => s.replaceAll('\0', ''));
// Real servers' scrambles are printable and never contain NUL.
const scrambleArb = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((a) => Buffer.from(a.map((b) => 0x21 + (b % 94))));
const u32 = fc.integer({ min: 0, max: 0xffffffff });

t.test('the greeting of a real MariaDB 10.11', async (t) => {
  const wire = Buffer.from('640000000a352e352e352d31302e31312e31392d4d6172696144422d302b64656231327531000c0000007d515e62535a483900fef72d0200ff81150000000000001d00000027565a442424283b332b7c52006d7973716c5f6e61746976655f70617373776f726400', 'hex');
  const h = parseHandshakeV10(payloadOf(wire));
  t.equal(h.serverVersion, '5.5.5-10.11.19-MariaDB-0+deb12u1');
  t.equal(h.connectionId, 12);
  t.equal(h.scramble.toString('latin1'), "}Q^bSZH9'VZD$$(;3+|R");
  t.equal(h.capabilities & CLIENT_LONG_PASSWORD, 0, 'CLIENT_MYSQL clear: a MariaDB server');
  t.equal(h.capabilities, 0x81fff7fe);
  t.equal(h.mariadbCapabilities, MARIADB_CLIENT_PROGRESS | MARIADB_CLIENT_STMT_BULK_OPERATIONS | MARIADB_CLIENT_EXTENDED_METADATA | MARIADB_CLIENT_CACHE_METADATA);
  t.equal(h.charset, 45);
  t.equal(h.statusFlags, 2);
  t.equal(h.authPluginName, 'mysql_native_password');
  t.equal(buildHandshakeV10(h).toString('hex'), wire.toString('hex'), 'rebuilt byte for byte');
});

t.test('a refusal instead of a greeting becomes an error carrying the server errno', async (t) => {
  const refusal = payloadOf(buildErr({ errno: 1040, sqlState: '08004', message: 'Too many connections' }, 0));
  try {
    parseHandshakeV10(refusal);
    t.fail('no error');
  } catch (err) {
    t.ok(err instanceof MysqlProtocolError && err.errno === 1040 && err.sqlState === '08004');
  }
});

t.test('greetings round-trip', async (t) => {
  fc.assert(fc.property(
    cstring(40), u32, scrambleArb, u32, u32, fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffff }), fc.constantFrom('mysql_native_password', 'caching_sha2_password', 'x'),
    (serverVersion, connectionId, scramble, caps, ext, charset, statusFlags, authPluginName) => {
      const capabilities = (caps | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH) >>> 0;
      const h = { serverVersion, connectionId, scramble, capabilities, mariadbCapabilities: ext, charset, statusFlags, authPluginName };
      const back = parseHandshakeV10(payloadOf(buildHandshakeV10(h)));
      t.same(back, { ...h, mariadbCapabilities: capabilities & CLIENT_LONG_PASSWORD ? 0 : ext });
      return true;
    },
  ), { numRuns: 200 });
});

const attrsArb = fc.array(fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 })), { maxLength: 5 }).map((pairs) => new Map(pairs));

t.test('handshake responses round-trip for every way of sending the auth data', async (t) => {
  fc.assert(fc.property(
    u32, u32, fc.constantFrom(CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA, CLIENT_SECURE_CONNECTION, 0),
    fc.boolean(), fc.boolean(), fc.boolean(), cstring(30), cstring(30), attrsArb, u32,
    fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 20 })),
    (caps, ext, authMode, withDb, withPlugin, withAttrs, username, database, attrs, maxPacketSize, auth) => {
      let capabilities = (caps & ~(CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA | CLIENT_SECURE_CONNECTION | CLIENT_CONNECT_WITH_DB | CLIENT_PLUGIN_AUTH | CLIENT_CONNECT_ATTRS)) | CLIENT_PROTOCOL_41 | authMode;
      if (withDb) capabilities |= CLIENT_CONNECT_WITH_DB;
      if (withPlugin) capabilities |= CLIENT_PLUGIN_AUTH;
      if (withAttrs) capabilities |= CLIENT_CONNECT_ATTRS;
      capabilities >>>= 0;
      let authResponse = Buffer.from(auth);
      if (authMode === CLIENT_SECURE_CONNECTION) authResponse = authResponse.subarray(0, 255);
      if (authMode === 0) authResponse = Buffer.from(authResponse.filter((b) => b !== 0));
      const r = {
        capabilities, mariadbCapabilities: ext, maxPacketSize, charset: 33, username, authResponse,
        database: withDb ? database : null, authPluginName: withPlugin ? 'mysql_native_password' : null, connectAttributes: withAttrs ? attrs : null,
      };
      const back = parseHandshakeResponse(payloadOf(buildHandshakeResponse(r, 1)));
      t.same(back, { ...r, mariadbCapabilities: capabilities & CLIENT_LONG_PASSWORD ? 0 : ext });
      return !isSslRequest(payloadOf(buildHandshakeResponse(r, 1)));
    },
  ), { numRuns: 300 });
});

t.test('an SSLRequest is the 32-byte head with CLIENT_SSL', async (t) => {
  const req = payloadOf(buildSslRequest({ capabilities: CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION, mariadbCapabilities: MARIADB_CLIENT_PROGRESS }, 1));
  t.equal(req.length, 32);
  t.ok(isSslRequest(req));
  t.equal(req.readUInt32LE(0) & CLIENT_SSL, CLIENT_SSL);
  t.equal(req.readUInt32LE(28), MARIADB_CLIENT_PROGRESS, 'MariaDB extension word in the last filler bytes');
  const full = payloadOf(buildHandshakeResponse({ capabilities: CLIENT_PROTOCOL_41 | CLIENT_SSL, username: 'u', authResponse: Buffer.alloc(0) }, 2));
  t.notOk(isSslRequest(full), 'a full response over TLS also has CLIENT_SSL, but is longer');
});

t.test('clients without protocol 4.1 are refused with ER_HANDSHAKE_ERROR', async (t) => {
  const old = Buffer.alloc(40);
  try {
    parseHandshakeResponse(old);
    t.fail('no error');
  } catch (err) {
    t.ok(err instanceof MysqlProtocolError && err.errno === ER_HANDSHAKE_ERROR);
  }
});

t.test('AuthSwitchRequest and AuthMoreData round-trip', async (t) => {
  fc.assert(fc.property(cstring(30), scrambleArb, (pluginName, pluginData) => {
    const back = parseAuthSwitchRequest(payloadOf(buildAuthSwitchRequest({ pluginName, pluginData }, 2)));
    return back.pluginName === pluginName && back.pluginData.equals(pluginData);
  }));
  // As MariaDB sends it when a client asked for caching_sha2_password.
  const wire = buildAuthSwitchRequest({ pluginName: 'mysql_native_password', pluginData: Buffer.from('abcdefghijklmnopqrst') }, 2);
  t.equal(wire.subarray(4).toString('latin1'), '\xfemysql_native_password\0abcdefghijklmnopqrst\0');
  t.throws(() => parseAuthSwitchRequest(Buffer.from([0xfe])), MysqlProtocolError, 'old-password switch refused');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (data) => parseAuthMoreData(payloadOf(buildAuthMoreData(data, 3))).equals(data)));
  t.same(parseAuthMoreData(Buffer.from([1, 3])), Buffer.from([3]), 'caching_sha2_password fast auth success');
});

t.test('arbitrary payloads make the handshake parsers throw nothing but MysqlProtocolError', async (t) => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 120 }),
    fc.uint8Array({ maxLength: 120 }).map((a) => Uint8Array.from([10, ...a])),
    fc.uint8Array({ maxLength: 120 }).map((a) => Uint8Array.from([0xff, 0xff, 0xff, 0xff, ...a])),
    fc.uint8Array({ maxLength: 120 }).map((a) => Uint8Array.from([0xfe, ...a])),
  );
  fc.assert(fc.property(bytes, (b) => {
    const payload = Buffer.from(b);
    for (const parse of [parseHandshakeV10, parseHandshakeResponse, parseAuthSwitchRequest, parseAuthMoreData]) {
      try {
        parse(payload);
      } catch (err) {
        if (!(err instanceof MysqlProtocolError)) return false;
      }
    }
    return true;
  }), { numRuns: 3000 });
  t.pass('3000 payloads');
});
