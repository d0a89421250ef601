import t from 'tap';
import { saslprep } from '../../src/wire/postgres/saslprep.js';

t.test('ASCII passes through untouched, control characters included', async (t) => {
  t.equal(saslprep('pencil'), 'pencil');
  t.equal(saslprep('a\u0001b'), 'a\u0001b');
  t.equal(saslprep(''), '');
});

t.test('mapping and NFKC (RFC 4013 §3 examples)', async (t) => {
  t.equal(saslprep('I\u00ADX'), 'IX', 'soft hyphen mapped to nothing');
  t.equal(saslprep('\u00AA'), 'a', 'NFKC');
  t.equal(saslprep('\u2168'), 'IX', 'NFKC');
  t.equal(saslprep('a\u00A0b'), 'a b', 'non-ASCII space to space');
  t.equal(saslprep('a\u200Bb'), 'a b', 'U+200B is a space before it is "mapped to nothing", as in PostgreSQL');
  t.equal(saslprep('ｐａｓｓ'), 'pass');
});

t.test('prohibited or unassigned code points fall back to the raw password', async (t) => {
  t.equal(saslprep('\u0007ｐ'), '\u0007ｐ', 'control character');
  t.equal(saslprep('\uE000ｐ'), '\uE000ｐ', 'private use');
  t.equal(saslprep('\uD800ｐ'), '\uD800ｐ', 'lone surrogate');
  t.equal(saslprep('\u00AD'), '\u00AD', 'empty after mapping');
  t.equal(saslprep('ｐ😀'), 'ｐ😀', 'unassigned in Unicode 3.2');
  t.equal(saslprep('ｐ\u0221'), 'ｐ\u0221', 'unassigned in Unicode 3.2');
  t.equal(saslprep('\uFA83'), '\uFA83', 'unassigned in 3.2 before NFKC, though NFKC maps it to an old ideograph');
});

t.test('bidi rules', async (t) => {
  t.equal(saslprep('\u0627\uFF11\u0628'), '\u0627\u0031\u0628', 'RTL, starting and ending RandALCat');
  t.equal(saslprep('\u0627\uFF11'), '\u0627\uFF11', 'RandALCat must end the string: raw');
  t.equal(saslprep('\u05D0\uFF11\u0661'), '\u05D0\uFF11\u0661', 'an Arabic digit (AN) is not RandALCat: raw');
  t.equal(saslprep('\u0627\uFF41\u0627'), '\u0627\uFF41\u0627', 'RandALCat with an LCat: raw');
  t.equal(saslprep('\uFD8C\uFE7D'), '\uFD8C\uFE7D'.normalize('NFKC'), 'checked before NFKC, as PostgreSQL does');
});
