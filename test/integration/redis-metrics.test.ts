// A Redis source's figures on the admin port's /metrics, after real traffic.
import t from 'tap';
import { Redis } from 'ioredis';
import { startRedisSluice } from '../helpers/redis-sluice.js';

const P = `sluice-test:metrics:${process.pid}:`;

function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

t.test('commands, refusals, dedicated leases and clients are exported per source', async (t) => {
  const s = await startRedisSluice({ top: 'admin: { listen: "127.0.0.1:0", auth: none }' });
  t.teardown(() => s.stop());
  const c = new Redis({ port: s.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  c.on('error', () => {});
  await c.connect();
  await c.set(`${P}k`, 'v');
  t.equal(await c.get(`${P}k`), 'v');
  await c.multi().incr(`${P}n`).exec();
  await t.rejects(c.call('DEBUG', 'SLEEP', '0'), /refused/i);
  await c.del(`${P}k`, `${P}n`);

  const admin = s.gateway.adminAddress!;
  const text = await (await fetch(`http://${admin.host}:${admin.port}/metrics`)).text();
  const l = '{source="cache",protocol="redis"}';
  t.equal(value(text, `sluice_redis_clients${l}`), 1);
  t.ok(value(text, `sluice_redis_commands_total${l}`) >= 6, 'every command counted');
  t.equal(value(text, `sluice_redis_refused_commands_total${l}`), 1);
  t.equal(value(text, `sluice_redis_dedicated_leases_total${l}`), 1, 'MULTI took one dedicated connection');
  t.ok(value(text, `sluice_redis_shared_connections${l}`) >= 1);
  t.equal(value(text, `sluice_redis_dedicated_active${l}`), 0, 'given back after EXEC');
  t.equal(value(text, `sluice_redis_protocol_errors_total${l}`), 0);
  c.disconnect();
});
