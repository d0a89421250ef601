import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
const db = await PGlite.create(process.argv[2] || 'memory://')
const server = new PGLiteSocketServer({ db, port: 55432, host: '127.0.0.1', maxConnections: Number(process.argv[3] || 1) })
await server.start()
console.log('listening')
