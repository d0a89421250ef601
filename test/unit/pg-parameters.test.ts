import t from 'tap';
import { parameterDiff, setQuery } from '../../src/proxy/postgres/parameters.js';

t.test('diff lists only settable values that differ', async (t) => {
  const client = new Map([['TimeZone', 'UTC'], ['application_name', 'a'], ['server_version', '99'], ['search_path', 'x']]);
  const server = new Map([['TimeZone', 'UTC'], ['application_name', 'b'], ['server_version', '15']]);
  t.same(parameterDiff(client, server), [['application_name', 'a'], ['search_path', 'x']]);
});

t.test('SET text quotes values and skips odd names', async (t) => {
  t.equal(setQuery([['DateStyle', 'ISO, MDY']]), "SET DateStyle TO 'ISO, MDY';");
  t.equal(setQuery([['application_name', "it's"]]), "SET application_name TO 'it''s';");
  t.equal(setQuery([['search_path', 'a\\b']]), "SET search_path TO E'a\\\\b';");
  t.equal(setQuery([['bad name; drop', 'x']]), '');
});
