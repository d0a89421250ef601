// md5 math, checked against the PostgreSQL on this machine (127.0.0.1:5432, trust auth,
// user postgres; PGPORT overrides the port).
import t from 'tap';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { md5PasswordHash, md5Response, md5Verify } from '../../src/wire/postgres/md5.js';

const db = new pg.Client({ host: '127.0.0.1', port: Number(process.env.PGPORT ?? 5432), user: 'postgres', database: 'postgres' });
await db.connect();
t.teardown(() => db.end());

t.test('stored hash equals the one PostgreSQL writes to pg_authid', async (t) => {
  for (const password of ['pencil', `it's "quoted"`, 'pässwörd', randomBytes(12).toString('hex')]) {
    const role = `sluice_md5_${randomBytes(6).toString('hex')}`;
    await db.query(`SET password_encryption = 'md5'`);
    await db.query(`CREATE ROLE ${db.escapeIdentifier(role)} PASSWORD ${db.escapeLiteral(password)}`);
    try {
      const { rows } = await db.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
      t.equal(md5PasswordHash(role, password), rows[0]?.rolpassword, password);
    } finally {
      await db.query(`DROP ROLE ${db.escapeIdentifier(role)}`);
    }
  }
});

t.test('salted response equals PostgreSQL md5() of the same inputs', async (t) => {
  const user = 'alice';
  const password = 'pencil';
  const salt = Buffer.from([0x01, 0xfe, 0x00, 0x7f]);
  const { rows } = await db.query<{ r: string }>(
    `SELECT 'md5' || md5(convert_to(md5($1 || $2), 'UTF8') || $3::bytea) AS r`,
    [password, user, salt],
  );
  t.equal(md5Response(user, password, salt), rows[0]?.r);
  t.equal(md5Response(user, md5PasswordHash(user, password), salt), rows[0]?.r, 'from the stored hash too');
});

t.test('verify: right answers pass, anything else fails', async (t) => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 16 }),
      fc.string({ minLength: 1, maxLength: 16 }),
      fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => Buffer.from(a)),
      fc.string({ maxLength: 40 }),
      (user, password, salt, junk) => {
        const answer = md5Response(user, password, salt);
        const stored = md5PasswordHash(user, password);
        return (
          md5Verify(password, user, salt, answer) &&
          md5Verify(stored, user, salt, answer) &&
          md5Verify(stored, user, salt, junk) === (junk === answer) &&
          !md5Verify(`${password}x`, user, salt, answer)
        );
      },
    ),
  );
  t.notOk(md5Verify('SCRAM-SHA-256$4096:c2FsdA==$a:b', 'u', Buffer.alloc(4), 'md5'), 'a SCRAM verifier cannot answer md5');
  t.notOk(md5Verify('pw', 'u', Buffer.alloc(4), ''), 'empty answer');
});
