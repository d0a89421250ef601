import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
const db = await PGlite.create('memory://')
const server = new PGLiteSocketServer({ db, port: 55433, host: '127.0.0.1', maxConnections: 1, debug: process.argv[2] === 'debug' })
server.addEventListener('error', (e) => console.log('server error event', e.detail?.message))
await server.start()
console.log('listening')
setInterval(() => console.log('inTx', db.isInTransaction(), 'stats', JSON.stringify(server.getStats())), 3000).unref()
setTimeout(() => process.exit(0), 25000)
