import t from 'tap';
import {
  AuthProtocolError,
  ScramClientSession,
  ScramServerSession,
  formatScramVerifier,
  parseScramVerifier,
  saltedPassword,
  scramVerifierFromPassword,
} from '../../src/wire/postgres/scram.js';

// RFC 7677 §3
const RFC = {
  user: 'user',
  password: 'pencil',
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

const rfcVerifier = () => scramVerifierFromPassword(RFC.password, { salt: RFC.salt, iterations: 4096 });

/** Runs a server session through client-first and returns it, ready for client-final. */
function serverAfterFirst(clientFirst = RFC.clientFirst): ScramServerSession {
  const server = new ScramServerSession(rfcVerifier(), RFC.serverNonce);
  server.handleClientFirst(Buffer.from(clientFirst));
  return server;
}

t.test('RFC 7677 vector, client side', async (t) => {
  const client = new ScramClientSession(RFC.password, RFC.clientNonce, RFC.user);
  t.equal(client.clientFirst().toString(), RFC.clientFirst);
  t.equal(client.handleServerFirst(Buffer.from(RFC.serverFirst)).toString(), RFC.clientFinal);
  t.doesNotThrow(() => client.verifyServerFinal(Buffer.from(RFC.serverFinal)));
  t.throws(() => client.verifyServerFinal(Buffer.from('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')), AuthProtocolError);
});

t.test('RFC 7677 vector, server side', async (t) => {
  const server = new ScramServerSession(rfcVerifier(), RFC.serverNonce);
  t.equal(server.handleClientFirst(Buffer.from(RFC.clientFirst)).toString(), RFC.serverFirst);
  const result = server.handleClientFinal(Buffer.from(RFC.clientFinal));
  t.ok(result.ok);
  if (result.ok) t.equal(result.serverFinal.toString(), RFC.serverFinal);
});

t.test('server rejects a wrong proof as a result, not a throw', async (t) => {
  const tampered = RFC.clientFinal.replace('p=dHzb', 'p=dHzc');
  const result = serverAfterFirst().handleClientFinal(Buffer.from(tampered));
  t.equal(result.ok, false);
});

t.test('server protocol errors are typed', async (t) => {
  const code = { code: 'SLUICE_AUTH_PROTOCOL' };
  const first = (s: string) => () => new ScramServerSession(rfcVerifier()).handleClientFirst(Buffer.from(s));
  t.throws(first('p=tls-server-end-point,,n=,r=abc'), { ...code, message: /SCRAM-SHA-256-PLUS/ });
  t.throws(first('n,a=admin,n=,r=abc'), { ...code, message: /authorization identity/ });
  t.throws(first('n,,m=ext,n=,r=abc'), { ...code, message: /extension/ });
  t.throws(first('x,,n=,r=abc'), code);
  t.throws(first('n,,n=,r='), code);
  t.throws(first('n,,r=abc'), code);
  t.throws(first(''), code);
  t.doesNotThrow(first('n,,n=,r=abc,x=ext'), 'optional extensions are ignored');
  t.doesNotThrow(first('y,,n=anything,r=abc'), 'y is fine while PLUS is not offered');

  const final = (s: string) => () => serverAfterFirst().handleClientFinal(Buffer.from(s));
  t.throws(final(RFC.clientFinal.replace('c=biws', 'c=eSws')), { ...code, message: /channel binding/ });
  t.throws(final(RFC.clientFinal.replace('k0,p=', 'k1,p=')), { ...code, message: /nonce mismatch/ });
  t.throws(final(RFC.clientFinal.replace(/p=.*/, 'p=AAAA')), { ...code, message: /32 bytes/ });
  t.throws(final(RFC.clientFinal.replace(/p=.*/, 'p=!!!')), code);
  t.throws(final('c=biws'), code);

  const yServer = serverAfterFirst('y,,n=,r=rOprNGfwEbeRWgbNEkqO');
  const yFinal = RFC.clientFinal.replace('c=biws', 'c=eSws');
  t.equal(yServer.handleClientFinal(Buffer.from(yFinal)).ok, false, 'y binds to "y,," and then checks the proof');

  const once = serverAfterFirst();
  t.throws(() => once.handleClientFirst(Buffer.from(RFC.clientFirst)), code, 'client-first twice');
  once.handleClientFinal(Buffer.from(RFC.clientFinal));
  t.throws(() => once.handleClientFinal(Buffer.from(RFC.clientFinal)), code, 'client-final twice');
  t.throws(() => new ScramServerSession(rfcVerifier()).handleClientFinal(Buffer.from(RFC.clientFinal)), code, 'final before first');
  t.throws(() => new ScramServerSession(rfcVerifier(), 'bad,nonce'), code);
  t.throws(() => new ScramServerSession({ ...rfcVerifier(), storedKey: Buffer.alloc(31) }), code);
});

t.test('client protocol errors are typed', async (t) => {
  const code = { code: 'SLUICE_AUTH_PROTOCOL' };
  const client = () => new ScramClientSession(RFC.password, RFC.clientNonce);
  const first = (s: string) => () => client().handleServerFirst(Buffer.from(s));
  t.throws(first('r=otherNonce123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'), { ...code, message: /nonce/ });
  t.throws(first(`r=${RFC.clientNonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`), code, 'nonce not extended');
  t.throws(first(RFC.serverFirst.replace('i=4096', 'i=0')), code);
  t.throws(first(RFC.serverFirst.replace('i=4096', 'i=99999999999')), code);
  t.throws(first(RFC.serverFirst.replace(/s=[^,]*/, 's=')), code);
  t.throws(first(`m=ext,${RFC.serverFirst}`), { ...code, message: /extension/ });
  t.throws(() => client().verifyServerFinal(Buffer.from(RFC.serverFinal)), code, 'final before first');

  const done = client();
  done.handleServerFirst(Buffer.from(RFC.serverFirst));
  t.throws(() => done.handleServerFirst(Buffer.from(RFC.serverFirst)), code, 'server-first twice');
  t.throws(() => done.verifyServerFinal(Buffer.from('e=invalid-proof')), { ...code, message: /invalid-proof/ });
  t.throws(() => done.verifyServerFinal(Buffer.from('x=1')), code);
  t.throws(() => new ScramClientSession('pw', 'bad,nonce'), code);
});

t.test('client-first is anonymous and its nonce is random by default', async (t) => {
  const a = new ScramClientSession('pw').clientFirst().toString();
  const b = new ScramClientSession('pw').clientFirst().toString();
  t.match(a, /^n,,n=\*,r=[A-Za-z0-9+/=]{24}$/);
  t.not(a, b);
  t.equal(new ScramClientSession('pw', 'abc', 'a=b,c').clientFirst().toString(), 'n,,n=a=3Db=2Cc,r=abc');
});

t.test('verifier text form', async (t) => {
  const v = rfcVerifier();
  const text = formatScramVerifier(v);
  t.match(text, /^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
  t.same(parseScramVerifier(text), v);
  for (const bad of [
    'md5a3556571e93b0d20722ba62be61e8c2d',
    'pencil',
    text.replace('$4096:', '$0:'),
    text.replace('$4096:', '$x:'),
    text.replace('SCRAM-SHA-256', 'SCRAM-SHA-1'),
    text.slice(0, -4),
    `${text}:extra`,
  ]) t.equal(parseScramVerifier(bad), null, bad);
  t.equal(scramVerifierFromPassword('pw').salt.length, 16, 'random 16-byte salt by default');
  t.equal(scramVerifierFromPassword('pw').iterations, 4096);
});

t.test('salted password cache returns the memoised key', async (t) => {
  const a = saltedPassword('pencil', RFC.salt, 4096);
  t.equal(saltedPassword('pencil', RFC.salt, 4096), a, 'same buffer, no second PBKDF2');
  t.notSame(saltedPassword('pencil', RFC.salt, 4095), a);
  t.notSame(saltedPassword('pencil2', RFC.salt, 4096), a);
  for (let i = 0; i < 300; i++) saltedPassword(`p${i}`, RFC.salt, 1);
  const again = saltedPassword('pencil', RFC.salt, 4096);
  t.not(again, a, 'evicted once the cache is full');
  t.same(again, a, 'and recomputed to the same value');
});
