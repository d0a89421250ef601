// Checks our SCRAM math against verifiers computed by the PostgreSQL on this machine
// (127.0.0.1:5432, trust auth, user postgres; PGPORT overrides the port).
import t from 'tap';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import {
  ScramClientSession,
  ScramServerSession,
  parseScramVerifier,
  scramVerifierFromPassword,
} from '../../src/wire/postgres/scram.js';

const db = new pg.Client({ host: '127.0.0.1', port: Number(process.env.PGPORT ?? 5432), user: 'postgres', database: 'postgres' });
await db.connect();
t.teardown(() => db.end());

/** Creates a throwaway role with the password, returns pg_authid.rolpassword, drops the role. */
async function postgresSecret(password: string): Promise<string> {
  const role = `sluice_scram_${randomBytes(6).toString('hex')}`;
  await db.query(`SET password_encryption = 'scram-sha-256'`);
  await db.query(`CREATE ROLE ${db.escapeIdentifier(role)} PASSWORD ${db.escapeLiteral(password)}`);
  try {
    const { rows } = await db.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
    return rows[0]?.rolpassword ?? '';
  } finally {
    await db.query(`DROP ROLE ${db.escapeIdentifier(role)}`);
  }
}

function login(verifierPassword: ReturnType<typeof parseScramVerifier>, password: string): boolean {
  if (!verifierPassword) throw new Error('no verifier');
  const server = new ScramServerSession(verifierPassword);
  const client = new ScramClientSession(password);
  const result = server.handleClientFinal(client.handleServerFirst(server.handleClientFirst(client.clientFirst())));
  if (result.ok) client.verifyServerFinal(result.serverFinal);
  return result.ok;
}

const passwords: Array<[string, string]> = [
  ['plain ASCII', 'pencil'],
  ['quotes and spaces', `it's a "secret" \\ with spaces`],
  ['random ASCII', randomBytes(24).toString('base64')],
  ['composed accents (NFKC keeps)', 'pässwörd'],
  ['decomposed accent (NFKC composes)', 'pa\u0308ss'],
  ['fullwidth (NFKC folds)', 'ｐａｓｓ'],
  ['no-break space (mapped to space)', 'a\u00A0b'],
  ['soft hyphen (mapped to nothing)', 'I\u00ADX'],
  ['roman numeral (NFKC)', '\u2168'],
  ['right-to-left', '\u0627\u0031\u0628'],
  ['mixed direction (prohibited: raw bytes)', '\u0627a\u0627\u00A0'],
  ['control character (prohibited: raw bytes)', '\u0007é\u00A0'],
  ['emoji alone (raw either way)', 'pw😀'],
  ['post-3.2 character beside a folded one (A.1: raw bytes)', 'ｐ😀'],
  ['variation selector supplement (A.1: raw bytes)', 'ｐ\u{E0100}'],
  ['compatibility ideograph newer than Unicode 3.2 (A.1 before NFKC)', '\uFA83'],
  ['bidi checked before NFKC, as PostgreSQL does', '\uFD8C\uFE7D'],
];

for (const [name, password] of passwords) {
  t.test(`PostgreSQL verifier: ${name}`, async (t) => {
    const secret = await postgresSecret(password);
    const verifier = parseScramVerifier(secret);
    t.ok(verifier, `parses ${secret}`);
    if (!verifier) return;
    const ours = scramVerifierFromPassword(password, { salt: verifier.salt, iterations: verifier.iterations });
    t.same(ours, verifier, 'same keys from the same salt (same SASLprep)');
    t.ok(login(verifier, password), 'right password accepted');
    t.notOk(login(verifier, `${password}x`), 'wrong password refused');
  });
}

// Characters from every table SASLprep consults, mixed at random, checked against PostgreSQL.
const alphabet = fc.constantFrom(
  'a', 'Z', '1', ' ', '\u0007', 'é', 'e\u0301', 'ｐ', '\u00A0', '\u2007', '\u00AD', '\u200B', '\uFE0F', '\u2168',
  '\u0627', '\u05D0', '\u0661', '\u200F', '\u0221', '\u4DC0', '\u{E0100}', '\uE000', '\uFFFD', '😀', 'ß', 'ﬁ',
);
const mixed = fc.oneof(
  fc.array(alphabet, { minLength: 1, maxLength: 6 }).map((a) => a.join('')),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }).filter((s) => !s.includes('\u0000')),
);

t.test('SASLprep matches PostgreSQL on random non-ASCII passwords', async (t) => {
  await fc.assert(
    fc.asyncProperty(mixed, async (password) => {
      const verifier = parseScramVerifier(await postgresSecret(password));
      if (!verifier) return false;
      const ours = scramVerifierFromPassword(password, { salt: verifier.salt, iterations: verifier.iterations });
      return ours.storedKey.equals(verifier.storedKey);
    }),
    { numRuns: 200 },
  );
  t.pass('property held');
});
