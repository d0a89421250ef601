import { parseConfig } from './config/load.js';
const texts = [
`admin:
  listen: 127.0.0.1:9930
listeners:
  postgres: { listen: 127.0.0.1:6432 }
sources:
  bench:                          # clients connect with dbname=bench
    kind: postgres
    database: bench               # backend database (defaults to the source name)
    pool: { mode: transaction, size: 50, max_client_conn: 5000, query_wait_timeout: 30s }
    hosts:
      - { host: 127.0.0.1, port: 5432, role: primary }
    users:
      - { name: bench, password: bench }   # checked from clients, used towards the server
`,
`sources:
  bench:
    kind: postgres
    pool: { mode: tx, size: fifty, min_size: 3, query_wait_timeout: 30x }
    hosts:
      - { host: 127.0.0.1, colour: red }
    users:
      - { name: bench, password: 123 }
`,
`sources:
  bench:
    kind: postgres
    pool: { size: 2, min_size: 3, query_wait_timeout: 30d }
    users:
      - { name: bench, password: "x" }
      - { name: bench, password: "x" }
listeners: { postgres: { listen: "0.0.0.0:9000" } }
admin: { listen: "localhost:9000" }
`,
`sources:
  bench: { kind: postgres
  x: [
`,
``,
`sources: {}
bad: 1`,
`sources:
  b:
    kind: postgres
    embedded: { kind: pglite, port: "\${env:PORT}" }
    users: [{ name: u, password: "\${env:NOPE}" }, { name: v, password: "$\${x} \${foo} \${nam:x} \${env:X" }]
`,
`sources:
  b:
    kind: postgres
    embedded: { kind: pglite, port: "\${env:PORT}" }
    users: [{ name: u, password: "$\${x}\${file:/etc/hostname}" }]
`,
];
for (const t of texts) {
  try { console.log(JSON.stringify(await parseConfig(t, 'x.yaml', { env: { PORT: '5499' } }))); } catch (e) { console.log(e.message); }
}
