import t from 'tap';
import fc from 'fast-check';
import { ConfigError } from '../../src/errors.js';
import { MAX_DURATION_MS, parseDuration } from '../../src/config/duration.js';

t.test('units', async (t) => {
  t.equal(parseDuration('500ms'), 500);
  t.equal(parseDuration('30s'), 30_000);
  t.equal(parseDuration('5m'), 300_000);
  t.equal(parseDuration('1h'), 3_600_000);
  t.equal(parseDuration('1d'), 86_400_000);
  t.equal(parseDuration('1.5s'), 1500);
  t.equal(parseDuration('0'), 0);
  t.equal(parseDuration('24d'), 24 * 86_400_000);
});

t.test('a bare number means seconds, as in PgBouncer', async (t) => {
  t.equal(parseDuration(30), 30_000);
  t.equal(parseDuration('30'), 30_000);
  t.equal(parseDuration(0.25), 250);
  t.equal(parseDuration(0), 0);
});

t.test('bad input is a ConfigError naming the path and the expected form', async (t) => {
  for (const bad of ['', '30x', '-1s', '1 s', ' 30s', '1h30m', 's', '1e3', 'NaN', -1, Number.NaN]) {
    const err = t.throws(() => parseDuration(bad, 'sources.bench.pool.query_wait_timeout')) as ConfigError;
    t.type(err, ConfigError, `${String(bad)} is rejected`);
    t.equal(err.code, 'SLUICE_CONFIG_INVALID');
    t.match(err.issues[0], /^sources\.bench\.pool\.query_wait_timeout: must be a duration such as 500ms, 30s/);
  }
});

t.test('longer than a Node.js timer allows is rejected, not silently clamped', async (t) => {
  t.equal(parseDuration(`${MAX_DURATION_MS}ms`), MAX_DURATION_MS);
  for (const big of ['25d', `${MAX_DURATION_MS + 1}ms`, Number.POSITIVE_INFINITY, '9'.repeat(400)]) {
    const err = t.throws(() => parseDuration(big, 'shutdown_timeout')) as ConfigError;
    t.match(err.issues[0], /^shutdown_timeout: must be at most 24d/);
  }
});

t.test('property: any string or number parses to a whole number of ms or throws ConfigError', async (t) => {
  const input = fc.oneof(
    fc.string(),
    fc.double(),
    fc.tuple(fc.nat(), fc.constantFrom('ms', 's', 'm', 'h', 'd', '', 'x')).map(([n, unit]) => `${n}${unit}`),
  );
  fc.assert(fc.property(input, (value) => {
    try {
      const ms = parseDuration(value);
      return Number.isSafeInteger(ms) && ms >= 0 && ms <= MAX_DURATION_MS;
    } catch (err) {
      return err instanceof ConfigError && err.issues.length === 1;
    }
  }));
  t.pass('held');
});

t.test('property: n with a unit is n times the unit', async (t) => {
  const unit = fc.constantFrom(['ms', 1], ['s', 1000], ['m', 60_000], ['h', 3_600_000]);
  fc.assert(fc.property(fc.nat({ max: 500 }), unit, (n, [suffix, size]) => parseDuration(`${n}${suffix}`) === n * size));
  t.pass('held');
});
