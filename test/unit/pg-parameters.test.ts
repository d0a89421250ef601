import t from 'tap';
import { parameterDiff, setQuery } from '../../src/proxy/postgres/parameters.js';

t.test('diff lists only settable values that differ', async (t) => {
  const client = new Map([['TimeZone', 'UTC'], ['application_name', 'a'], ['server_version', '99'], ['search_path', 'x']]);
  const server = new Map([['TimeZone', 'UTC'], ['application_name', 'b'], ['server_version', '15']]);
  t.same(parameterDiff(client, server), [['application_name', 'a'], ['search_path', 'x']]);
});

t.test('set_config text quotes values and skips odd names', async (t) => {
  t.equal(setQuery([['DateStyle', 'ISO, MDY']]), "SELECT pg_catalog.set_config('DateStyle', 'ISO, MDY', false)");
  t.equal(setQuery([['application_name', "it's"], ['TimeZone', 'UTC']]),
    "SELECT pg_catalog.set_config('application_name', 'it''s', false), pg_catalog.set_config('TimeZone', 'UTC', false)");
  t.equal(setQuery([['search_path', 'a\\b']]), "SELECT pg_catalog.set_config('search_path', E'a\\\\b', false)");
  t.equal(setQuery([['bad name; drop', 'x']]), '');
});
