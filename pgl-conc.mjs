import pg from 'pg'
const K = Number(process.argv[2] || 2), port = 55432
const clients = []
for (let i = 0; i < K; i++) {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'app', database: 'app' })
  try { await c.connect(); clients.push(c) } catch (e) { console.log('connect', i, 'failed:', e.message) }
}
console.log('connected', clients.length, 'of', K)
await clients[0].query('create table if not exists t (id int, who int)')
let bad = 0, errs = 0
const t0 = Date.now()
await Promise.all(clients.map(async (c, idx) => {
  for (let n = 0; n < 300; n++) {
    try {
      // extended protocol, unnamed statement
      const r = await c.query('select $1::int as v, $2::text as s', [idx * 1000 + n, 'c' + idx])
      if (r.rows[0].v !== idx * 1000 + n || r.rows[0].s !== 'c' + idx) bad++
      // named prepared statement with same name across clients, different text
      const r2 = await c.query({ name: 'p' + idx, text: `select ${idx}::int as who, $1::int as v`, values: [n] })
      if (r2.rows[0].who !== idx || r2.rows[0].v !== n) bad++
      // transaction
      await c.query('begin')
      await c.query('insert into t values ($1, $2)', [n, idx])
      const r3 = await c.query('select count(*)::int as k from t where who = $1 and id = $2', [idx, n])
      await c.query('commit')
      if (r3.rows[0].k < 1) bad++
    } catch (e) { errs++; if (errs < 5) console.log('client', idx, 'err', e.message) }
  }
}))
console.log('K', K, 'bad', bad, 'errs', errs, 'ms', Date.now() - t0)
await Promise.all(clients.map(c => c.end().catch(() => {})))
