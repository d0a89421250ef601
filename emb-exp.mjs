import pino from 'pino'
import pg from 'pg'
import { startEmbeddedPglite } from './dist/embedded/pglite.js'
const log = pino({ level: 'debug' })
const t0 = Date.now()
const e = await startEmbeddedPglite({ kind: 'pglite', data_dir: process.argv[2] ?? '', port: 55432 }, log)
console.log('started in', Date.now() - t0, 'ms', e)
const conn = () => { const c = new pg.Client({ host: '127.0.0.1', port: 55432, user: 'x', database: 'y' }); return c }
const a = conn(); await a.connect()
await a.query({ name: 's1', text: 'select 1 as one' })
await a.query('set application_name = $$stale$$')
await a.query('create table if not exists kv (k text primary key, v int)')
await a.query(`insert into kv values ('n', 1) on conflict (k) do update set v = kv.v + 1`)
const b = conn()
try { await b.connect(); await b.query('select 1'); console.log('second connection WORKED') } catch (err) { console.log('second connection refused:', err.message) }
await a.end()
const c = conn(); await c.connect()
console.log('after reconnect:', (await c.query('select name from pg_prepared_statements')).rows, (await c.query('show application_name')).rows)
await c.query({ name: 's1', text: 'select 1 as one' })
console.log('re-prepare s1 ok; kv =', (await c.query('select v from kv')).rows)
await c.end()
if (process.argv[3] === 'kill') {
  const { execSync } = await import('node:child_process')
  const pid = execSync(`ss -ltnpH 'sport = :55432'`).toString().match(/pid=(\d+)/)[1]
  console.log('killing child', pid); process.kill(Number(pid), 'SIGKILL')
  await new Promise(r => setTimeout(r, 3000))
  const d = conn(); await d.connect(); console.log('after restart kv =', (await d.query('select v from kv')).rows); await d.end()
}
await e.stop()
console.log('stopped; port still open?', (await import('node:child_process')).execSync(`ss -ltnH 'sport = :55432' | wc -l`).toString().trim())
