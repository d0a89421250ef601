// Interop with Python's cryptography.fernet (Debian's python3-cryptography, under /usr/bin/python3).
import t from 'tap';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { MultiFernet, decrypt, encrypt, generateFernetKey } from '../../src/auth/secrets/fernet.js';

const PYTHON = '/usr/bin/python3';

/** Python decrypts Sluice's tokens, and makes its own from the same messages, in one process. */
const SCRIPT = `
import json, sys
from cryptography.fernet import Fernet, MultiFernet
job = json.load(sys.stdin)
f = Fernet(job["key"])
out = {
  "decrypted": [f.decrypt(tok.encode()).hex() for tok in job["tokens"]],
  "tokens": [f.encrypt(bytes.fromhex(m)).decode() for m in job["messages"]],
  "rotated": MultiFernet([Fernet(job["key"]), Fernet(job["old_key"])]).rotate(job["old_token"].encode()).decode(),
}
json.dump(out, sys.stdout)
`;

interface PythonOutput { decrypted: string[]; tokens: string[]; rotated: string }

function python(job: object): PythonOutput {
  const run = spawnSync(PYTHON, ['-c', SCRIPT], { input: JSON.stringify(job), encoding: 'utf8', timeout: 30_000 });
  if (run.error !== undefined || run.status !== 0) {
    throw new Error(`${PYTHON} with cryptography.fernet failed (install python3-cryptography): ${run.error?.message ?? run.stderr}`);
  }
  return JSON.parse(run.stdout) as PythonOutput;
}

t.test('tokens cross between Sluice and cryptography.fernet both ways', async (t) => {
  const key = generateFernetKey();
  const oldKey = generateFernetKey();
  const messages = fc.sample(fc.uint8Array({ maxLength: 100 }), { numRuns: 50, seed: 5 }).map((m) => Buffer.from(m));
  messages.push(Buffer.alloc(0), Buffer.from('pässwörd ✓', 'utf8'), Buffer.alloc(4096, 0xab));
  const out = python({
    key,
    old_key: oldKey,
    tokens: messages.map((m) => encrypt(key, m)),
    messages: messages.map((m) => m.toString('hex')),
    old_token: encrypt(oldKey, 'rotate me'),
  });
  t.strictSame(out.decrypted, messages.map((m) => m.toString('hex')), 'Python reads every Sluice token');
  t.strictSame(out.tokens.map((tok) => decrypt(key, tok, { ttlSeconds: 600 }).toString('hex')), messages.map((m) => m.toString('hex')), 'Sluice reads every Python token, within a TTL');
  t.equal(decrypt(key, out.rotated).toString(), 'rotate me', 'Python\'s MultiFernet.rotate output reads under the new key');
  t.equal(new MultiFernet([generateFernetKey(), key]).decrypt(out.tokens[0]!).toString('hex'), messages[0]!.toString('hex'), 'and through a MultiFernet');
});
