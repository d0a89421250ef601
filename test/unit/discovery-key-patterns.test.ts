import t from 'tap';
import fc from 'fast-check';
import { collapseKey, collapseKeys, isIdSegment } from '../../src/discovery/connectors/key-patterns.js';

t.test('identifier segments collapse at once', async (t) => {
  t.equal(collapseKey('user:42:cart'), 'user:{id}:cart');
  t.equal(collapseKey('session:0b7c9e2a-3f1d-4c4e-9a7b-2d1f0e6c5b4a'), 'session:{id}');
  t.equal(collapseKey('order/01ARZ3NDEKTSV4RRFFQ69G5FAV/items'), 'order/{id}/items');
  t.equal(collapseKey('cache:5f2b9c0d1e'), 'cache:{id}');
  t.equal(collapseKey('token:a8Fz3kLq9Wm2Xp7R'), 'token:{id}');
  t.equal(collapseKey('mailbox:ann@example.com'), 'mailbox:{id}');
  t.equal(collapseKey('config:feature_flags'), 'config:feature_flags', 'words stay');
  t.equal(collapseKey('queue:emails'), 'queue:emails');
  t.notOk(isIdSegment('deadbeef'), 'hex without a digit reads as a word');
});

t.test('a position with many values among otherwise equal keys becomes {id}', async (t) => {
  const keys = ['alice', 'bob', 'carol', 'dave', 'erin'].map((n) => `user:${n}:profile`);
  const out = collapseKeys([...keys, 'user:1:cart', 'config:main']);
  for (const k of keys) t.equal(out.get(k), 'user:{id}:profile');
  t.equal(out.get('user:1:cart'), 'user:{id}:cart');
  t.equal(out.get('config:main'), 'config:main');
  const few = collapseKeys(['env:prod:flags', 'env:dev:flags']);
  t.equal(few.get('env:prod:flags'), 'env:prod:flags', 'a handful of values is an enumeration, not an id');
});

const word = fc.stringMatching(/^[a-z]{2,8}$/);

t.test('property: every key gets a pattern, and numeric ids never survive', async () => {
  fc.assert(fc.property(fc.array(fc.string(), { maxLength: 50 }), (keys) => {
    const out = collapseKeys(keys);
    return keys.every((k) => typeof out.get(k) === 'string');
  }));
  fc.assert(fc.property(word, fc.nat(), word, (family, id, suffix) => collapseKey(`${family}:${id}:${suffix}`) === `${family}:{id}:${suffix}`));
});

t.test('property: collapsing is idempotent and keeps delimiters', async () => {
  fc.assert(fc.property(fc.array(fc.tuple(word, fc.oneof(fc.nat().map(String), word, fc.uuid())), { maxLength: 40 }), (pairs) => {
    const keys = pairs.map(([a, b]) => `${a}:${b}`);
    const once = collapseKeys(keys);
    const patterns = [...new Set(once.values())];
    const twice = collapseKeys(patterns);
    return patterns.every((p) => twice.get(p) === p) && keys.every((k) => once.get(k)!.split(':').length === k.split(':').length);
  }));
});
