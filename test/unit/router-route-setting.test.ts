import t from 'tap';
import { sessionRoute } from '../../src/router/route-setting.js';

t.test('SET sluice.route and its resets', async (t) => {
  const cases: [string, string | null][] = [
    ['SET sluice.route = primary', 'primary SET'],
    ['set sluice.route to replica;', 'replica SET'],
    ["SET SESSION sluice.route = 'Replica'", 'replica SET'],
    ['set sluice.route = default', 'default SET'],
    ['RESET sluice.route', 'default RESET'],
    ['RESET ALL', 'default forwarded'],
    ['DISCARD ALL', 'default forwarded'],
    ['/* c */ SET sluice . route = primary', 'primary SET'],
    ['SET LOCAL sluice.route = replica', null],
    ['SET sluice.route = elsewhere', null],
    ['SET sluice.route = primary, replica', null],
    ['SET sluice.other = primary', null],
    ['SET search_path = sluice', null],
    ['RESET search_path', null],
    ['DISCARD PLANS', null],
    ["select 'SET sluice.route = replica'", null],
    ['', null],
  ];
  for (const [sql, expected] of cases) {
    const r = sessionRoute(sql);
    t.equal(r === null ? null : `${r.route} ${r.answer ?? 'forwarded'}`, expected, sql);
  }
});
