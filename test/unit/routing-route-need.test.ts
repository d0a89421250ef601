// The need of a unit of work from its first PostgreSQL message (read_write_split).
import t from 'tap';
import { serialize } from '../../src/wire/postgres/frontend-messages.js';
import { firstMessage, needOf, queryText } from '../../src/proxy/postgres/route-need.js';
import type { ClientStatement } from '../../src/proxy/postgres/prepared-statements.js';
import { ReadWriteClassifier } from '../../src/router/read-write.js';

const classifier = new ReadWriteClassifier();
const none = new Map<string, ClientStatement>();

function need(msg: Buffer, statements = none, route: 'default' | 'primary' | 'replica' = 'default'): string {
  const { buf, end } = firstMessage([msg]);
  return needOf(queryText(buf, end, statements), route, classifier);
}

t.test('simple queries and Parse are judged by their text', async (t) => {
  t.equal(need(serialize.query('SELECT 1')), 'read');
  t.equal(need(serialize.query('INSERT INTO t VALUES (1)')), 'write');
  t.equal(need(serialize.query('SELECT * FROM t FOR UPDATE')), 'write');
  t.equal(need(serialize.query('/* sluice:replica */ SELECT f()')), 'read', 'the comment override');
  t.equal(need(serialize.parse({ name: 's1', text: 'SELECT $1::int', types: [] })), 'read');
  t.equal(need(serialize.parse({ text: 'DELETE FROM t', types: [] })), 'write');
});

t.test('a Bind of a named statement is judged by the text it was prepared with', async (t) => {
  const body = Buffer.from('SELECT $1::int\0\0\0', 'latin1');
  const statements = new Map<string, ClientStatement>([['s1', { serverName: 'sluice_1', parseBody: body }]]);
  t.equal(need(serialize.bind({ statement: 's1', values: ['1'] }), statements), 'read');
  t.equal(need(serialize.bind({ statement: 'unknown', values: ['1'] }), statements), 'write', 'unknown statement: primary');
  t.equal(need(serialize.bind({ values: ['1'] }), statements), 'write', 'the unnamed statement is not known here');
  t.equal(need(serialize.sync()), 'write', 'anything else goes to the primary');
});

t.test('the session route overrides the text', async (t) => {
  t.equal(need(serialize.query('SELECT 1'), none, 'primary'), 'write');
  t.equal(need(serialize.query('UPDATE t SET a = 1'), none, 'replica'), 'read');
});

t.test('a message split over chunks is joined; a bad length is not read', async (t) => {
  const msg = serialize.query('SELECT 1');
  const { buf, end } = firstMessage([msg.subarray(0, 3), msg.subarray(3)]);
  t.equal(queryText(buf, end, none), 'SELECT 1');
  const bad = Buffer.from([0x51, 0, 0, 0, 2, 0x41]);
  t.equal(firstMessage([bad]).end, -1);
  t.equal(queryText(bad, -1, none), null);
});
