import t from 'tap';
import fc from 'fast-check';
import {
  AuthProtocolError,
  ScramClientSession,
  ScramServerSession,
  scramVerifierFromPassword,
} from '../../src/wire/postgres/scram.js';
import { saslprep } from '../../src/wire/postgres/saslprep.js';

/** Passes when fn returns or throws the typed error; anything else fails the property. */
function onlyTypedErrors(fn: () => unknown): boolean {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof AuthProtocolError)) throw err;
  }
  return true;
}

type Edit = [op: 'set' | 'insert' | 'delete', at: number, byte: number];
const edits = (max: number) =>
  fc.array(fc.tuple(fc.constantFrom<Edit[0]>('set', 'insert', 'delete'), fc.nat(), fc.integer({ min: 0, max: 255 })), {
    minLength: 1,
    maxLength: max,
  });

function mutate(text: string, list: Edit[]): Buffer {
  const bytes = [...Buffer.from(text, 'latin1')];
  for (const [op, at, byte] of list) {
    const i = bytes.length === 0 ? 0 : at % bytes.length;
    if (op === 'set' && bytes.length) bytes[i] = byte;
    else if (op === 'insert') bytes.splice(i, 0, byte);
    else bytes.splice(i, 1);
  }
  return Buffer.from(bytes);
}

/** Messages assembled from SCRAM-looking pieces reach deeper than uniform random bytes. */
const pieces = fc
  .array(fc.constantFrom('n', 'y', 'p=tls', 'a=u', 'm=x', 'n=', 'n=*', 'r=', 'r=abc', 'r=abcSRV', 'c=biws', 'c=eSws',
    's=AAAA', 'i=1', 'i=0', 'v=', 'e=x', 'x=1', 'p=AAAA', `p=${'A'.repeat(43)}=`, '', '=', '\u0000', 'é'), { maxLength: 8 })
  .map((parts) => Buffer.from(parts.join(','), 'latin1'));

const verifier = scramVerifierFromPassword('secret', { iterations: 1 });
const CLIENT_FIRST = 'n,,n=*,r=abc';
const serverAfterFirst = () => {
  const server = new ScramServerSession(verifier, 'SRV');
  server.handleClientFirst(Buffer.from(CLIENT_FIRST));
  return server;
};
const honestFinal = (() => {
  const client = new ScramClientSession('secret', 'abc');
  client.clientFirst();
  return client.handleServerFirst(new ScramServerSession(verifier, 'SRV').handleClientFirst(Buffer.from(CLIENT_FIRST)));
})().toString('latin1');

/**
 * The password as PBKDF2's HMAC key sees it: HMAC pads a key shorter than its block (64 bytes;
 * these are at most 48) with zero bytes, so passwords that differ only by trailing NULs derive
 * the same SCRAM keys (in PostgreSQL too; libpq cannot even send a NUL in a password).
 */
function hmacKey(password: string): Buffer {
  const bytes = Buffer.from(saslprep(password));
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.subarray(0, end);
}

t.test('round trip: right password succeeds, wrong one fails', async (t) => {
  const password = fc.string({ unit: 'binary', maxLength: 24 });
  const salt = fc.uint8Array({ minLength: 1, maxLength: 32 }).map((a) => Buffer.from(a));
  fc.assert(
    fc.property(password, password, salt, fc.integer({ min: 1, max: 64 }), (right, tried, salt, iterations) => {
      const v = scramVerifierFromPassword(right, { salt, iterations });
      const server = new ScramServerSession(v);
      const client = new ScramClientSession(tried);
      const serverFirst = server.handleClientFirst(client.clientFirst());
      const result = server.handleClientFinal(client.handleServerFirst(serverFirst));
      const same = hmacKey(right).equals(hmacKey(tried));
      if (same !== result.ok) return false;
      if (result.ok) client.verifyServerFinal(result.serverFinal);
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass('property held');
});

t.test('round trip with the same password always succeeds', async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 24 }), (password) => {
      const server = new ScramServerSession(scramVerifierFromPassword(password, { iterations: 1 }));
      const client = new ScramClientSession(password);
      const result = server.handleClientFinal(client.handleServerFirst(server.handleClientFirst(client.clientFirst())));
      if (result.ok) client.verifyServerFinal(result.serverFinal);
      return result.ok;
    }),
  );
  t.pass('property held');
});

t.test('server: arbitrary client-first bytes throw only the typed error', async (t) => {
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    edits(6).map((e) => mutate(CLIENT_FIRST, e)),
    pieces,
  );
  fc.assert(fc.property(input, (data) => onlyTypedErrors(() => new ScramServerSession(verifier).handleClientFirst(data))), {
    numRuns: 2000,
  });
  t.pass('property held');
});

t.test('server: arbitrary client-final bytes throw only the typed error', async (t) => {
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 128 }).map((a) => Buffer.from(a)),
    edits(6).map((e) => mutate(honestFinal, e)),
    pieces,
  );
  fc.assert(fc.property(input, (data) => onlyTypedErrors(() => serverAfterFirst().handleClientFinal(data))), {
    numRuns: 2000,
  });
  t.pass('property held');
});

t.test('client: arbitrary server messages throw only the typed error', async (t) => {
  const serverFirst = 'r=abcSRV,s=AAAA,i=1';
  // Few edits: each could add a digit to i=1, and PBKDF2 cost grows with it.
  const first = fc.oneof(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)), edits(4).map((e) => mutate(serverFirst, e)), pieces);
  const final = fc.oneof(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)), edits(6).map((e) => mutate('v=' + 'A'.repeat(43) + '=', e)), pieces);
  fc.assert(
    fc.property(first, final, (f1, f2) => {
      const client = new ScramClientSession('secret', 'abc');
      client.clientFirst();
      return onlyTypedErrors(() => client.handleServerFirst(f1)) && onlyTypedErrors(() => client.verifyServerFinal(f2));
    }),
    { numRuns: 1000 },
  );
  t.pass('property held');
});
